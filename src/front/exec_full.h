// Replacing the front with ragforge-full (cli/job_launcher.h).
#pragma once

namespace ragforge::front {

// execv()s ragforge-full with this argv (argv[0] kept, so `train` stays
// `train`). Returns only if that fails: it prints why and returns 2.
int exec_full(int argc, char** argv);

}  // namespace ragforge::front
