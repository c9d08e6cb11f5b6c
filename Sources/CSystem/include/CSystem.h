// Linux system calls that Swift's Glibc module does not export (epoll).
#ifndef CSYSTEM_H
#define CSYSTEM_H
#ifdef __linux__
#include <sys/epoll.h>
#endif
#endif
