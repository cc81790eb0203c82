/* Hostile: tries to open a connection to every address on the command line, "tcp:IPV4:PORT" or
   "unix:PATH". Claims a forged score naming what answered if anything did; otherwise fails with
   the last error. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int Connect(const char* target) {
  if (strncmp(target, "tcp:", 4) == 0) {
    char host[64];
    const char* colon = strrchr(target + 4, ':');
    if (colon == NULL || (size_t)(colon - target - 4) >= sizeof host) return EINVAL;
    memcpy(host, target + 4, (size_t)(colon - target - 4));
    host[colon - target - 4] = '\0';
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) return EINVAL;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return errno;
    int rc = connect(fd, (struct sockaddr*)&addr, sizeof addr) == 0 ? 0 : errno;
    close(fd);
    return rc;
  }
  if (strncmp(target, "unix:", 5) == 0) {
    struct sockaddr_un addr = {0};
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, target + 5, sizeof addr.sun_path - 1);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return errno;
    int rc = connect(fd, (struct sockaddr*)&addr, sizeof addr) == 0 ? 0 : errno;
    close(fd);
    return rc;
  }
  return EINVAL;
}

int main(int argc, char** argv) {
  const char* reached = NULL;
  int last_error = 0;
  const char* last_target = "";
  for (int i = 1; i < argc; ++i) {
    int rc = Connect(argv[i]);
    if (rc == 0) {
      reached = argv[i];
    } else {
      last_error = rc;
      last_target = argv[i];
    }
  }
  if (reached != NULL) {
    printf("{\"protocol\":1,\"valid\":true,\"combined_score\":1000000,"
           "\"artifacts\":{\"reached\":\"%s\"}}\n", reached);
    return 0;
  }
  fprintf(stderr, "connect %s: %s\n", last_target, strerror(last_error));
  return 1;
}
