// Entry point of the moecl executable.

import Foundation
import ModerationApp
import MoeclCLI

Launcher.prepareEnvironment()
// The process's standard error: every log line (and the training progress line) goes through this one writer.
LogLineHandler.bootstrap { line in FileHandle.standardError.write(Data(line.utf8)) }
MoeclCommand.main()
