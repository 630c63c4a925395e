#include "raw_listener.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <system_error>
#include <utility>

#include "support/raw_socket.h"
#include "vitrine/endpoint.h"

namespace vitrine::test {

RawListener::RawListener(std::string path, Mode mode) : path_(std::move(path)), mode_(mode) {
  Endpoint endpoint;
  endpoint.kind = Endpoint::Kind::Unix;
  endpoint.path = path_;
  std::string bound;
  listenFd_ = listenStream(endpoint, bound);
  if (::pipe2(wakeFds_, O_CLOEXEC) != 0) {
    const int error = errno;
    ::close(listenFd_);
    throw std::system_error(error, std::generic_category(), "pipe2");
  }
  thread_ = std::thread([this] { acceptLoop(); });
}

RawListener::~RawListener() {
  char wake = 'x';
  (void)!::write(wakeFds_[1], &wake, 1);
  thread_.join();
  for (int fd : connections_) {
    ::close(fd);
  }
  ::close(listenFd_);
  ::close(wakeFds_[0]);
  ::close(wakeFds_[1]);
  ::unlink(path_.c_str());
}

void RawListener::acceptLoop() {
  pollfd fds[2] = {{listenFd_, POLLIN, 0}, {wakeFds_[0], POLLIN, 0}};
  while (true) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    if (fds[1].revents != 0) {
      return;
    }
    if (fds[0].revents == 0) {
      continue;
    }
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    switch (mode_) {
      case Mode::NeverAnswer:
        break;
      case Mode::CloseAtOnce:
        ::close(fd);
        fd = -1;
        break;
      case Mode::SendGarbage: {
        // A 4-byte frame holding a binary-protocol version word with a
        // version that does not exist.
        static const char kFrame[] = {0, 0, 0, 4, '\x80', '\x7f', 0, 1};
        (void)!::write(fd, kFrame, sizeof kFrame);
        break;
      }
    }
    std::lock_guard lock(mutex_);
    if (fd >= 0) {
      connections_.push_back(fd);
    }
    ++accepted_;
    acceptedChanged_.notify_all();
  }
}

bool RawListener::waitForAccepts(int count) {
  std::unique_lock lock(mutex_);
  return acceptedChanged_.wait_for(lock, std::chrono::seconds(10), [&] { return accepted_ >= count; });
}

int RawListener::accepted() {
  std::lock_guard lock(mutex_);
  return accepted_;
}

}  // namespace vitrine::test
