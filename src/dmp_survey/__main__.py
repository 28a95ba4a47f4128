from dmp_survey.cli import main

main()
