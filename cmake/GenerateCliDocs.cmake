# Writes the man pages and the shell completion scripts of the loupe command
# from the command itself (`loupe help --man-pages`, `loupe completion`), so
# that they say what its --help says. Run after each link of the command:
#   cmake -DLOUPE=path/to/loupe -DOUT=folder -P GenerateCliDocs.cmake
# OUT/man1/*.1, OUT/bash-completion/loupe, OUT/zsh/_loupe
if(NOT LOUPE OR NOT OUT)
  message(FATAL_ERROR "GenerateCliDocs.cmake needs -DLOUPE=<the loupe command> and -DOUT=<folder>")
endif()
# Pages of commands that are gone must not stay behind to be installed.
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}/man1" "${OUT}/bash-completion" "${OUT}/zsh")
execute_process(COMMAND "${LOUPE}" help --man-pages "${OUT}/man1" COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND "${LOUPE}" completion bash OUTPUT_FILE "${OUT}/bash-completion/loupe" COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND "${LOUPE}" completion zsh OUTPUT_FILE "${OUT}/zsh/_loupe" COMMAND_ERROR_IS_FATAL ANY)
