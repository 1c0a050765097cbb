#pragma once
// The error catalogue of X-2: every text a client can see, exactly.

#include <string>
#include <string_view>

namespace sy::proto::errors {

inline constexpr std::string_view not_identified = "sent payload with non-identify opcode without identifying first";
inline constexpr std::string_view no_data = "payload has no data";
inline constexpr std::string_view already_identified = "already identified";
inline constexpr std::string_view initial_metadata = "initial metadata: invalid";
inline constexpr std::string_view etf_restricted = "restricted clients may not use ETF";
inline constexpr std::string_view heartbeat_late = "heartbeat took too long";
inline constexpr std::string_view unrecoverable = "decode: payload: unrecoverable";
inline constexpr std::string_view too_large = "payload too large";
inline constexpr std::string_view internal = "internal server error";
inline constexpr std::string_view invalid_dispatch = "invalid dispatch payload";
inline constexpr std::string_view invalid_metadata = "invalid metadata";
inline constexpr std::string_view invalid_query = "invalid query";
inline constexpr std::string_view no_route = "no_route";
inline constexpr std::string_view shutting_down = "server shutting down";

/// `<client_id>: already registered for app <application_id>` (L-6).
inline std::string already_registered(std::string_view cid, std::string_view app) {
  return std::string(cid) + ": already registered for app " + std::string(app);
}

/// `invalid dispatch type <t> (are you restricted?)`.
inline std::string restricted_dispatch(std::string_view t) {
  return "invalid dispatch type " + std::string(t) + " (are you restricted?)";
}

/// `invalid client op <X>` with the original's literal names (L-15).
inline std::string invalid_op(const long long* op) {
  std::string_view x = "nil";
  if (op) {
    switch (*op) {
      case 0: x = ":hello"; break;
      case 2: x = ":ready"; break;
      case 3: x = ":invalid"; break;
      case 6: x = ":heartbeat_ack"; break;
      case 7: x = ":goodbye"; break;
      case 8: x = ":error"; break;
      default: break;
    }
  }
  return "invalid client op " + std::string(x);
}

} // namespace sy::proto::errors
