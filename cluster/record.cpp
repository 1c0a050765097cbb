#include "cluster/record.hpp"

#include <charconv>
#include <vector>

namespace sy::cluster {
namespace {

constexpr std::string_view prefix = "singyeong:cluster:";
constexpr std::string_view infix = ":node:";

} // namespace

std::string record_key(std::string_view cluster, std::string_view id) {
  std::string k;
  k.append(prefix).append(cluster).append(infix).append(id);
  return k;
}

std::string record_pattern(std::string_view cluster) {
  std::string p(prefix);
  for (char c : cluster) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
      p += '\\';
    p += c;
  }
  p.append(infix).append("*");
  return p;
}

std::string_view id_of_key(std::string_view cluster, std::string_view key) {
  auto head = record_key(cluster, "");
  if (key.size() <= head.size() || key.substr(0, head.size()) != head)
    return {};
  return key.substr(head.size());
}

std::string format_record(const node_record& r) {
  return r.id + ' ' + r.host + ' ' + std::to_string(r.port) + ' ' + r.version;
}

bool valid_field(std::string_view s) {
  if (s.empty())
    return false;
  for (unsigned char c : s)
    if (c <= ' ' || c == 0x7f)
      return false;
  return true;
}

std::optional<node_record> parse_record(std::string_view line) {
  std::vector<std::string_view> f;
  for (size_t start = 0; f.size() <= 4;) {
    auto sp = line.find(' ', start);
    f.push_back(line.substr(start, sp == std::string_view::npos ? sp : sp - start));
    if (sp == std::string_view::npos)
      break;
    start = sp + 1;
  }
  if (f.size() != 4)
    return std::nullopt;
  for (auto x : f)
    if (!valid_field(x))
      return std::nullopt;
  unsigned port = 0;
  auto [p, ec] = std::from_chars(f[2].data(), f[2].data() + f[2].size(), port);
  if (ec != std::errc{} || p != f[2].data() + f[2].size() || port == 0 || port > 65535)
    return std::nullopt;
  return node_record{std::string(f[0]), std::string(f[1]), static_cast<std::uint16_t>(port),
                     std::string(f[3])};
}

} // namespace sy::cluster
