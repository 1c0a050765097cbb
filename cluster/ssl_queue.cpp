// Keeps one bad TLS peer from breaking every other TLS link (CFG-22).
//
// OpenSSL's SSL_get_error() reads the thread's error queue, which "must be
// empty before the TLS/SSL I/O operation is attempted" (SSL_get_error(3)).
// CAF 0.17.6's openssl module never clears it: it only drains the queue when
// its logging is compiled in, which Debian's build is not. So after a failed
// handshake (a certificate from another CA, a plain or anonymous-TLS client),
// the errors stay queued on the multiplexer thread, the next SSL_read or
// SSL_write on any other link that merely "wants to read" is reported as
// SSL_ERROR_SSL, and CAF closes that healthy link (seen: every peer link of
// the node dropped about 100 ms after each rejected connection).
//
// The fix: this executable defines the four I/O calls CAF makes; the dynamic
// linker binds libcaf_openssl's references to these definitions (an
// executable's symbols come first), and each clears the queue, then calls
// the real function of libssl (dlsym RTLD_NEXT). Other callers (asio's SSL
// engine clears the queue itself) are not affected.

#include "cluster/ssl_queue.hpp"

#include <cstdio>
#include <cstdlib>

#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

template <class F>
F next_definition(const char* name) {
  auto* f = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
  if (f == nullptr) {
    std::fprintf(stderr, "singyeong: cannot find OpenSSL's %s: %s\n", name, dlerror());
    std::abort();
  }
  return f;
}

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static const auto real = next_definition<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static const auto real = next_definition<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_accept(SSL* ssl) {
  static const auto real = next_definition<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

int SSL_connect(SSL* ssl) {
  static const auto real = next_definition<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

} // extern "C"

namespace sy::cluster {

bool ssl_queue_guarded() {
  // What a library in this process (libcaf_openssl) gets for these names.
  return dlsym(RTLD_DEFAULT, "SSL_read") == reinterpret_cast<void*>(&SSL_read)
         && dlsym(RTLD_DEFAULT, "SSL_write") == reinterpret_cast<void*>(&SSL_write)
         && dlsym(RTLD_DEFAULT, "SSL_accept") == reinterpret_cast<void*>(&SSL_accept)
         && dlsym(RTLD_DEFAULT, "SSL_connect") == reinterpret_cast<void*>(&SSL_connect);
}

} // namespace sy::cluster
