#pragma once
// A lock-free hand-off from any number of threads to one consumer: producers
// push (one compare-and-swap), the consumer takes everything at once (one
// exchange) in push order. push() says when the list was empty, so exactly
// one producer per batch wakes the consumer. Replaces a mutex that the actor
// threads and the I/O thread fought over on every delivery.

#include <atomic>
#include <utility>

namespace sy::net {

template <class T>
class handoff {
public:
  handoff() = default;
  handoff(const handoff&) = delete;
  handoff& operator=(const handoff&) = delete;
  ~handoff() {
    take_all([](T&&) {});
  }

  /// From any thread; true when the list was empty before (wake the consumer).
  bool push(T item) {
    auto* n = new node{std::move(item), nullptr};
    node* old = head_.load(std::memory_order_relaxed);
    do
      n->next = old;
    while (!head_.compare_exchange_weak(old, n, std::memory_order_release, std::memory_order_relaxed));
    return old == nullptr;
  }

  /// From the consumer: `f(item)` for every item pushed so far, oldest first.
  template <class F>
  void take_all(F&& f) {
    node* n = head_.exchange(nullptr, std::memory_order_acquire);
    node* oldest = nullptr;
    while (n) { // the list is newest first: reverse it
      node* next = n->next;
      n->next = oldest;
      oldest = n;
      n = next;
    }
    while (oldest) {
      node* next = oldest->next;
      f(std::move(oldest->item));
      delete oldest;
      oldest = next;
    }
  }

private:
  struct node {
    T item;
    node* next;
  };
  std::atomic<node*> head_{nullptr};
};

} // namespace sy::net
