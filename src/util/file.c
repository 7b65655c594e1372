/* Read-only file images: mmap when possible, else read() into malloc'd memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wick/util.h"

static wick_status file_error(wick_diag *d, const char *path, int err) {
  wick_status s = err == ENOENT ? WICK_ERR_NOT_FOUND : WICK_ERR_IO;
  return wick_diag_set(d, s, "%s: %s", path, strerror(err));
}

/* Reads exactly `size` bytes from fd into a fresh malloc'd buffer. */
static wick_status read_all(int fd, size_t size, void **out, const char *path, wick_diag *d) {
  unsigned char *buf = malloc(size > 0 ? size : 1);
  if (buf == NULL)
    return wick_diag_set(d, WICK_ERR_MEMORY, "%s: cannot allocate %zu bytes", path, size);
  size_t done = 0;
  while (done < size) {
    ssize_t n = read(fd, buf + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      free(buf);
      return file_error(d, path, err);
    }
    if (n == 0) {
      free(buf);
      return wick_diag_set(d, WICK_ERR_IO, "%s: file shrank while reading (%zu of %zu bytes)", path,
                           done, size);
    }
    done += (size_t)n;
  }
  *out = buf;
  return WICK_OK;
}

wick_status wick_file_open(wick_file *f, const char *path, wick_diag *d) {
  if (f == NULL || path == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "wick_file_open: NULL argument");
  memset(f, 0, sizeof *f);

  int fd;
  do {
    fd = open(path, O_RDONLY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return file_error(d, path, errno);

  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return file_error(d, path, err);
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return file_error(d, path, EISDIR);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return wick_diag_set(d, WICK_ERR_IO, "%s: not a regular file", path);
  }
  if (st.st_size < 0 || (uint64_t)st.st_size > (uint64_t)SIZE_MAX) {
    close(fd);
    return wick_diag_set(d, WICK_ERR_IO, "%s: file too large for this platform", path);
  }
  size_t size = (size_t)st.st_size;

  if (size > 0) {
    void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
      close(fd);
      f->data = p;
      f->size = size;
      f->mapped = 1;
      return WICK_OK;
    }
  }

  /* Empty files, and filesystems that cannot map: read into memory. An empty
   * file still gets a valid (1-byte) allocation so data is never NULL. */
  void *buf = NULL;
  wick_status s = read_all(fd, size, &buf, path, d);
  close(fd);
  if (s != WICK_OK) return s;
  f->data = buf;
  f->size = size;
  f->mapped = 0;
  return WICK_OK;
}

void wick_file_close(wick_file *f) {
  if (f == NULL || f->data == NULL) return;
  if (f->mapped)
    munmap(f->data, f->size);
  else
    free(f->data);
  memset(f, 0, sizeof *f);
}
