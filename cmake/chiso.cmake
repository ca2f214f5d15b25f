# Helpers shared by every CMakeLists.txt of the suite.

# chiso_library(NAME SOURCES a.cc b.cc DEPS lib1 lib2)
# A static library whose headers are included as "common/..." or
# "services/..." from the repository root.
function(chiso_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# chiso_test(NAME SOURCES a_test.cc DEPS lib1 [LABELS unit|integration] [POSTGRES])
# A GoogleTest binary registered with ctest, one ctest entry per test case.
# POSTGRES: its tests use the PostgreSQL server of the chiso_postgres fixture
# (tests/support/test_database.h).
function(chiso_test name)
  cmake_parse_arguments(ARG "POSTGRES" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest chiso_test_main)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  set(extra)
  if(ARG_POSTGRES)
    target_link_libraries(${name} PRIVATE chiso_test_database)
    set(extra FIXTURES_REQUIRED chiso_postgres
              ENVIRONMENT CHISO_TEST_POSTGRES_FILE=${CHISO_PG_STATE}/url)
  endif()
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS "${ARG_LABELS}" ${extra}
    DISCOVERY_TIMEOUT 60)
endfunction()
