/* A free port on 127.0.0.1 (free_port.h). */
#include "free_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sae/sae_error.h"

int free_port(unsigned *out)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return SAE_EIO;
    int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
                     getsockname(fd, (struct sockaddr *)&addr, &len) == 0
                 ? 0
                 : SAE_EIO;
    close(fd);
    if (rc == 0)
        *out = ntohs(addr.sin_port);
    return rc;
}
