// Entry point of the moecl executable.

import MoeclCLI
import ModerationApp

Launcher.prepareEnvironment()
LogLineHandler.bootstrap()
MoeclCommand.main()
