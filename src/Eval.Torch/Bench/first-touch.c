/* How much fresh memory costs on this machine: touches 1 GiB of new anonymous memory a page at a time, ten rounds
   (some after idle seconds), and prints each round's time; with HUGE=1 the memory is madvised MADV_HUGEPAGE first.
   README, Benchmarks ("Why page faults cost so much here"): gcc -O2 -o first-touch first-touch.c && ./first-touch */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static double first_touch(size_t bytes)
{
    char *p = mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(2); }
    if (getenv("HUGE")) madvise(p, bytes, MADV_HUGEPAGE);
    double t = now();
    for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
    t = now() - t;
    munmap(p, bytes);
    return t;
}

int main(void)
{
    const size_t bytes = (size_t)1 << 30;
    const int idle_seconds[] = {0, 0, 0, 1, 3, 10, 0, 0, 10, 0};
    for (int i = 0; i < 10; i++)
    {
        if (idle_seconds[i]) sleep(idle_seconds[i]);
        printf("after %2d s idle: 1 GiB first touch %.0f ms\n", idle_seconds[i], first_touch(bytes) * 1e3);
        fflush(stdout);
    }
    return 0;
}
