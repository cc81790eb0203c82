# kevolve_module(NAME SOURCES... [DEPS ...] [PUBLIC_DEPS ...]) defines the library
# kevolve_<NAME> with the project's warnings, its include folder (kevolve_include_folder) and
# links to DEPS (PRIVATE) and PUBLIC_DEPS (PUBLIC): other modules by short name or imported
# targets. Headers are included as "module/file.h"; a module sees its own headers, those of the
# modules it links and those their headers need (PUBLIC_DEPS), and no others.
function(kevolve_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
    -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
  if(KEVOLVE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  # GCC 12 reports impossible overlapping memcpy inside std::string at -O3 (GCC bug 105651)
  # and uninitialized std::function members inside std::regex's compiler with -O2 and the
  # sanitizers (GCC bug 105562): false positives in libstdc++; keep them warnings, not errors.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-error=restrict -Wno-error=maybe-uninitialized)
  endif()
endfunction()

# kevolve_include_folder(MODULE OUT_VAR), called from the module's folder (src/MODULE), sets
# OUT_VAR to its include folder: <build>/include/MODULE/, whose one entry, MODULE, is a link to
# src/MODULE. As an include directory it makes "MODULE/file.h" resolve and nothing else of src/
# (docs/architecture.md, "Include folders").
function(kevolve_include_folder module out_var)
  set(folder ${PROJECT_BINARY_DIR}/include/${module})
  file(MAKE_DIRECTORY ${folder})
  file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${folder}/${module} SYMBOLIC)
  set(${out_var} ${folder} PARENT_SCOPE)
endfunction()

function(kevolve_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PUBLIC_DEPS" ${ARGN})
  add_library(kevolve_${name} STATIC ${ARG_SOURCES})
  kevolve_include_folder(${name} include_folder)
  target_include_directories(kevolve_${name} PUBLIC ${include_folder})
  kevolve_target_warnings(kevolve_${name})
  foreach(dep IN LISTS ARG_DEPS)
    if(dep IN_LIST KEVOLVE_MODULES)
      target_link_libraries(kevolve_${name} PRIVATE kevolve_${dep})
    else()
      target_link_libraries(kevolve_${name} PRIVATE ${dep})
    endif()
  endforeach()
  foreach(dep IN LISTS ARG_PUBLIC_DEPS)
    if(dep IN_LIST KEVOLVE_MODULES)
      target_link_libraries(kevolve_${name} PUBLIC kevolve_${dep})
    else()
      target_link_libraries(kevolve_${name} PUBLIC ${dep})
    endif()
  endforeach()
endfunction()

# kevolve_test(NAME LABEL SOURCES... DEPS ...) adds a GoogleTest binary registered with ctest
# under the given label (unit, integration, gpu, slow).
function(kevolve_test name)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  kevolve_target_warnings(${name})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  foreach(dep IN LISTS ARG_DEPS)
    if(dep IN_LIST KEVOLVE_MODULES)
      target_link_libraries(${name} PRIVATE kevolve_${dep})
    else()
      target_link_libraries(${name} PRIVATE ${dep})
    endif()
  endforeach()
  target_link_libraries(${name} PRIVATE GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE KEVOLVE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    KEVOLVE_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT}
    DISCOVERY_TIMEOUT 60)
endfunction()
