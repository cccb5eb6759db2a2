// Framed messages over a stream socket, with deadlines and bounds. See
// runner_wire.h.
#include "autotune/runner_wire.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace kiln {
namespace {

constexpr char kMagic[4] = {'K', 'R', 'N', '1'};

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t get_le(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

bool send_all(int fd, const char* p, size_t n, std::string* why) {
  while (n > 0) {
    const ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      *why = std::string("the peer is gone (") + std::strerror(errno) + ")";
      return false;
    }
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

/// Reads exactly n bytes before the deadline.
WireRead read_exactly(int fd, char* out, size_t n, bool has_deadline,
                      std::chrono::steady_clock::time_point deadline) {
  size_t got = 0;
  while (got < n) {
    int wait_ms = -1;
    if (has_deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return WireRead::Timeout;
      wait_ms = static_cast<int>(std::min<int64_t>(left, 1000));
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, wait_ms);
    if (ready < 0 && errno != EINTR) return WireRead::Closed;
    if (ready <= 0) continue;
    const ssize_t k = ::read(fd, out + got, n - got);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return WireRead::Closed;
    got += static_cast<size_t>(k);
  }
  return WireRead::Ok;
}

}  // namespace

bool send_message(int fd, const WireMessage& m, std::string* why) {
  const std::string json = m.meta.dump();
  if (json.size() > kWireMaxJsonBytes || m.blobs.size() > kWireMaxBlobs) {
    *why = "message too large: " + std::to_string(json.size()) + " bytes of JSON, " +
           std::to_string(m.blobs.size()) + " blobs";
    return false;
  }
  std::string head(kMagic, 4);
  put_u32(head, static_cast<uint32_t>(json.size()));
  put_u32(head, static_cast<uint32_t>(m.blobs.size()));
  for (const std::string& b : m.blobs) {
    if (b.size() > kWireMaxBlobBytes) {
      *why = "blob of " + std::to_string(b.size()) + " bytes is too large";
      return false;
    }
    put_u64(head, b.size());
  }
  head += json;
  if (!send_all(fd, head.data(), head.size(), why)) return false;
  for (const std::string& b : m.blobs)
    if (!send_all(fd, b.data(), b.size(), why)) return false;
  return true;
}

WireRead receive_message(int fd, double timeout_s, WireMessage* m, std::string* why) {
  const bool has_deadline = timeout_s >= 0;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  unsigned char head[12];
  WireRead r = read_exactly(fd, reinterpret_cast<char*>(head), sizeof head, has_deadline, deadline);
  if (r != WireRead::Ok) return r;
  if (std::memcmp(head, kMagic, 4) != 0) {
    *why = "the frame does not start with KRN1";
    return WireRead::Garbage;
  }
  const uint64_t json_bytes = get_le(head + 4, 4), blobs = get_le(head + 8, 4);
  if (json_bytes > kWireMaxJsonBytes || blobs > kWireMaxBlobs) {
    *why = "the frame announces " + std::to_string(json_bytes) + " bytes of JSON and " +
           std::to_string(blobs) + " blobs (at most " + std::to_string(kWireMaxJsonBytes) +
           " and " + std::to_string(kWireMaxBlobs) + ")";
    return WireRead::Garbage;
  }
  std::vector<unsigned char> lengths(blobs * 8);
  r = read_exactly(fd, reinterpret_cast<char*>(lengths.data()), lengths.size(), has_deadline,
                   deadline);
  if (r != WireRead::Ok) return r;
  uint64_t total = 0;
  std::vector<uint64_t> blob_bytes;
  for (uint64_t i = 0; i < blobs; ++i) {
    blob_bytes.push_back(get_le(lengths.data() + 8 * i, 8));
    if (blob_bytes.back() > kWireMaxBlobBytes || total + blob_bytes.back() > kWireMaxBlobBytes) {
      *why = "the frame's blobs exceed " + std::to_string(kWireMaxBlobBytes) + " bytes";
      return WireRead::Garbage;
    }
    total += blob_bytes.back();
  }
  std::string json(json_bytes, '\0');
  r = read_exactly(fd, json.data(), json.size(), has_deadline, deadline);
  if (r != WireRead::Ok) return r;
  m->meta = nlohmann::json::parse(json, nullptr, false);
  if (!m->meta.is_object() || !m->meta.contains("kind") || !m->meta["kind"].is_string()) {
    *why = "the frame's JSON is not an object with a \"kind\"";
    return WireRead::Garbage;
  }
  m->blobs.clear();
  for (uint64_t n : blob_bytes) {
    m->blobs.emplace_back(n, '\0');
    r = read_exactly(fd, m->blobs.back().data(), n, has_deadline, deadline);
    if (r != WireRead::Ok) return r;
  }
  return WireRead::Ok;
}

}  // namespace kiln
