# cmake -P script run by the consumer_find_package test (see CMakeLists.txt).
# Inputs: VITRINE_BUILD_DIR, CONSUMER_SOURCE_DIR, WORK_DIR, CONFIG, CXX_COMPILER,
# CXX_FLAGS (the vitrine build's, so that e.g. a sanitizer build links).
cmake_minimum_required(VERSION 3.25)

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
# Start clean: a stale prefix or build could hide a file that is no longer installed.
file(REMOVE_RECURSE ${WORK_DIR})

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "consumer test: ${what} failed (${result})")
  endif()
endfunction()

set(config_args)
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()

run_step("installing the client into ${prefix}"
  ${CMAKE_COMMAND} --install ${VITRINE_BUILD_DIR} --prefix ${prefix} --component client ${config_args})
run_step("configuring the consumer project"
  ${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${build}
    -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    -DCMAKE_BUILD_TYPE=${CONFIG})
run_step("building the consumer project"
  ${CMAKE_COMMAND} --build ${build} ${config_args})

find_program(consumer NAMES consumer PATHS ${build} ${build}/${CONFIG} NO_DEFAULT_PATH REQUIRED)
run_step("running the consumer" ${consumer})
