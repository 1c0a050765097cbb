#pragma once
// Works around CAF 0.17.6's openssl module leaving OpenSSL's error queue
// filled after a failed TLS handshake, which made it close every other TLS
// link of the node (see ssl_queue.cpp).

namespace sy::cluster {

/// Whether libcaf_openssl's SSL_read/SSL_write/SSL_accept/SSL_connect go
/// through the queue-clearing wrappers of this executable. Referencing it
/// also links the wrappers in (sy_cluster is a static library).
bool ssl_queue_guarded();

} // namespace sy::cluster
