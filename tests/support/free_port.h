/* A TCP port on 127.0.0.1 that nobody listens on now, for a daemon a test or benchmark
 * starts (the kernel's choice for port 0; another process may take it before the daemon
 * binds it, which the daemon's own error then says). */
#ifndef FREE_PORT_H
#define FREE_PORT_H

/* 0 and the port in *out, or SAE_EIO. */
int free_port(unsigned *out);

#endif
