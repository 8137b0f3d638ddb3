from omnimeet.cli import main

raise SystemExit(main())
