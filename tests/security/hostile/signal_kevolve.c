/* Hostile: tries to stop kevolve (its pid is argv[1]), its own parent and pid 1 of whatever
   namespace it is in. kill() returning 0 proves nothing (a namespace's init drops signals it has
   no handler for), so it claims a forged score only if a target that existed is gone afterwards;
   otherwise it fails, naming the last refusal. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct Try {
  pid_t pid;
  int sig;
  const char* what;
  int existed;
};

int main(int argc, char** argv) {
  const pid_t kevolve = argc > 1 ? (pid_t)atoi(argv[1]) : 0;
  struct Try tries[] = {
      {kevolve, SIGTERM, "kevolve", 0},    {kevolve, SIGKILL, "kevolve", 0},
      {getppid(), SIGTERM, "the parent", 0}, {getppid(), SIGKILL, "the parent", 0},
      {1, SIGTERM, "pid 1", 0},            {1, SIGKILL, "pid 1", 0},
  };
  const size_t count = sizeof tries / sizeof tries[0];
  char last[256] = "no signal had an effect";
  for (size_t i = 0; i < count; ++i) {
    if (tries[i].pid <= 0 || tries[i].pid == getpid()) continue;
    tries[i].existed = kill(tries[i].pid, 0) == 0;
    if (kill(tries[i].pid, tries[i].sig) != 0) {
      snprintf(last, sizeof last, "kill(%s, %s): %s", tries[i].what, strsignal(tries[i].sig),
               strerror(errno));
    }
  }
  usleep(200 * 1000);
  int gone = 0;
  for (size_t i = 0; i < count; ++i) {
    if (tries[i].existed && kill(tries[i].pid, 0) != 0 && errno == ESRCH) ++gone;
  }
  if (gone > 0) {
    printf("{\"protocol\":1,\"valid\":true,\"combined_score\":1000000,"
           "\"metrics\":{\"gone\":%d}}\n", gone);
    return 0;
  }
  fprintf(stderr, "%s\n", last);
  return 1;
}
