#include "net/ws_handshake.hpp"

#include <cctype>

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace sy::net {
namespace {

constexpr const char* ws_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Sec-WebSocket-Accept: base64(SHA-1(key + GUID)).
std::string accept_value(std::string_view key) {
  std::string in(key);
  in += ws_guid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  unsigned char out[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
}

/// A key is the base64 of 16 bytes: 22 characters and "==".
bool valid_key(std::string_view k) {
  if (k.size() != 24 || k.substr(22) != "==")
    return false;
  for (char c : k.substr(0, 22))
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/'))
      return false;
  return true;
}

} // namespace

std::string websocket_accept(const upgrade_request& req, int& status, std::string& why) {
  status = 400;
  if (!req.is_get || req.http_version < 11) {
    why = "the upgrade must be an HTTP/1.1 GET";
    return {};
  }
  if (!req.has_host) {
    why = "no Host header";
    return {};
  }
  if (req.ws_version != "13") {
    status = 426;
    why = "Sec-WebSocket-Version must be 13";
    return {};
  }
  if (!valid_key(req.ws_key)) {
    why = "missing or malformed Sec-WebSocket-Key";
    return {};
  }
  std::string res = "HTTP/1.1 101 Switching Protocols\r\n"
                    "Upgrade: websocket\r\n"
                    "Connection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: ";
  res += accept_value(req.ws_key);
  res += "\r\nServer: singyeong\r\n\r\n";
  return res;
}

} // namespace sy::net
