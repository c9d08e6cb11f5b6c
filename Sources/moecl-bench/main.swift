// Entry point of the moecl-bench executable.

import MoeclCLI

Launcher.prepareEnvironment()
BenchCommand.main()
