#include "cluster/cookie.hpp"

#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace sy::cluster {
namespace {

constexpr size_t random_bytes = 32;

std::string random_string(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_bytes failed"); // no entropy: nothing sane to do
  return out;
}

} // namespace

std::string make_challenge(challenge_role role) {
  return static_cast<char>(role) + random_string(random_bytes);
}

bool has_role(std::string_view challenge, challenge_role role) {
  return challenge.size() == 1 + random_bytes && challenge[0] == static_cast<char>(role);
}

std::string make_proof(std::string_view cookie, std::string_view challenge, std::string_view node_id) {
  std::string msg;
  msg.reserve(challenge.size() + node_id.size());
  msg.append(challenge).append(node_id);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), cookie.data(), static_cast<int>(cookie.size()),
           reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len)
      == nullptr)
    return {};
  return std::string(reinterpret_cast<const char*>(md), len);
}

bool same_proof(std::string_view a, std::string_view b) {
  return !a.empty() && a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string make_node_id() { return to_hex(random_string(16)); }

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

} // namespace sy::cluster
