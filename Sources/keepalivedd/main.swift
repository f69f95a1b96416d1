import KeepalivedCLI

ProcessMemory.useOneArena()
KeepalivedCommand.main()
