from stalindeck.cli import main

main()
