/* Hostile: a classic double-forked daemon. The grandchild leaves the process group and session
   (setsid) and execs a sleep whose argv[0] is the marker read from the program file (argv[1]);
   the evaluator itself answers with a valid result and exits at once. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  char marker[256] = "kevolve-daemon";
  if (argc > 1) {
    FILE* f = fopen(argv[1], "r");
    if (f != NULL) {
      if (fgets(marker, sizeof marker, f) != NULL) marker[strcspn(marker, "\n")] = '\0';
      fclose(f);
    }
  }
  pid_t child = fork();
  if (child == 0) {
    setsid();
    if (fork() == 0) {
      execl("/bin/sleep", marker, "100000", (char*)NULL);
      _exit(127);
    }
    _exit(0);
  }
  waitpid(child, NULL, 0);
  usleep(100 * 1000); /* let the grandchild reach exec */
  printf("{\"protocol\":1,\"valid\":true,\"combined_score\":1}\n");
  return 0;
}
