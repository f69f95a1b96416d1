import KeepalivedCLI

ProcessMemory.configure()
KeepalivedCommand.main()
