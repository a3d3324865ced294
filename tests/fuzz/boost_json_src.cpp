// Boost.JSON compiled here, with the fuzzer's instrumentation, instead of linked from Debian's
// libboost_json (built without it): so the targets that parse JSON from untrusted bytes get
// coverage feedback from inside the parser, not only from the code around it. Built into the
// fuzz configuration's console layer only (CMakeLists.txt).
#include <boost/json/src.hpp>
