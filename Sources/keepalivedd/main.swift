import KeepalivedCLI

KeepalivedCommand.main()
