// Built into vitrine-server by `make sanitize` only (VITRINE_SANITIZE).
//
// LeakSanitizer looks for leaks at exit, after Qt and the graphics drivers
// have dlclose()d their plugins. Memory that an unloaded plugin's globals
// still pointed to then looks leaked (LeakSanitizer can no longer scan
// those globals), with "<unknown module>" for a stack that no suppression
// can name: a false report, which would hide a real one all the same (seen
// under Xvfb, tests/python/test_interaction.py). With dlclose doing nothing
// every library stays mapped until the process ends. The executable's
// definition takes the place of libc's for every library: the dynamic
// linker looks in the executable first.
extern "C" int dlclose(void* /*handle*/) {
  return 0;
}
