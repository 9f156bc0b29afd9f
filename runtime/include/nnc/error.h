/* Error reporting shared by the whole nnc runtime.
 *
 * Functions that can fail return an nnc_status: 0 (NNC_OK) on success, a
 * nonzero code saying what kind of failure otherwise. The human-readable
 * message ("cannot open `x.idx`: No such file or directory") is kept per
 * thread and read with nnc_last_error(), so concurrent calls on different
 * threads do not clobber each other's messages and the API stays plain C.
 */
#ifndef NNC_ERROR_H
#define NNC_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nnc_status {
  NNC_OK = 0,
  NNC_ERR_IO = 1,        /* a file could not be opened, read or written */
  NNC_ERR_FORMAT = 2,    /* a file's contents are malformed or corrupt */
  NNC_ERR_SHAPE = 3,     /* a tensor's shape is not the one expected */
  NNC_ERR_NOT_FOUND = 4, /* a named item (column, tensor) does not exist */
  NNC_ERR_ARG = 5,       /* the caller passed an invalid argument */
  NNC_ERR_NOMEM = 6      /* memory allocation failed */
} nnc_status;

/* The message of the last failure on this thread; "" if none. The pointer
 * stays valid until the next runtime call on this thread that fails. */
const char *nnc_last_error(void);

/* Records a failure (printf-style message) and returns `code`, so that a
 * caller, generated code included, can write `return nnc_set_error(...)`. */
int nnc_set_error(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Forgets the last message on this thread. */
void nnc_clear_error(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NNC_ERROR_H */
