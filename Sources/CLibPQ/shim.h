// PostgreSQL's client library (Debian: libpq-dev).
#include <postgresql/libpq-fe.h>
