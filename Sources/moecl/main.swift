// Entry point of the moecl executable.

import MoeclCLI

Launcher.prepareEnvironment()
MoeclCommand.main()
