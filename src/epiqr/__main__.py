from epiqr.cli import main

main()
