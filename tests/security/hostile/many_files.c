/* Hostile: creates empty files in its working folder without end, to use up the file system's
   inodes without using bytes. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  char name[32];
  for (long i = 0;; ++i) {
    snprintf(name, sizeof name, "f%ld", i);
    int fd = open(name, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
      perror("open");
      return 1;
    }
    close(fd);
  }
}
