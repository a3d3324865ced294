// hiredis (0.14) async contexts on an Asio loop. How the pieces meet:
// - hiredis asks for readiness through its ev hooks (addRead/delRead/addWrite/delWrite); each
//   becomes a flag plus at most one outstanding `stream_descriptor::async_wait` per direction.
//   The descriptor only watches hiredis's socket: it is released (never closed) before hiredis
//   closes the fd.
// - hiredis frees a context by itself when its connection fails; its cleanup hook is where we
//   learn it (pending callbacks have been called with a NULL reply just before). We free a
//   context ourselves (redisAsyncFree) only outside hiredis calls: on timeout, on a failed
//   AUTH/SELECT (posted), and on close.
// - A Link keeps its own FIFO of pending callbacks: hiredis answers the regular commands of a
//   connection in order, so each reply (or NULL, when freed) pops the front.
// - Nothing of the user runs inside a hiredis call: replies, messages and state changes are
//   posted, and a posted handler holds only a weak reference, so it is dropped once the Client
//   is gone.

#include "redis/client.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <deque>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

namespace minirtc::redis {

namespace asio = boost::asio;
using std::chrono::milliseconds;

std::string Url::host_port() const {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

Result<Url> parse_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed)
    return make_error(fmt::format("'{}' is not a URL: {}", text, parsed.error().message()));
  const auto& u = *parsed;
  if (u.scheme() != "redis")
    return make_error(fmt::format("'{}': the scheme must be redis://", text));
  Url url;
  url.host = u.host_address();
  if (url.host.empty()) return make_error(fmt::format("'{}': no host", text));
  if (u.has_port()) {
    const std::string_view port = u.port();
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      return make_error(fmt::format("'{}': bad port", text));
    url.port = static_cast<std::uint16_t>(value);
  }
  std::string_view path = u.encoded_path();
  if (!path.empty() && path != "/") {
    path.remove_prefix(1);
    auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), url.db);
    if (ec != std::errc() || end != path.data() + path.size() || url.db < 0)
      return make_error(
          fmt::format("'{}': the path must be a database number (/0, /1, ...)", text));
  }
  if (u.has_query() || u.has_fragment())
    return make_error(fmt::format("'{}': no query or fragment allowed", text));
  if (u.has_userinfo()) {
    if (!u.has_password())
      return make_error(
          fmt::format("'{}': the password goes after a colon (redis://:PASSWORD@...)", text));
    url.user = u.user();
    url.password = u.password();
  }
  if (url.password.empty()) {
    url.text = std::string(text);
  } else {
    boost::urls::url shown(u);
    shown.set_password("***");
    url.text = std::string(shown.buffer());
  }
  return url;
}

milliseconds retry_delay(unsigned failures, milliseconds min, milliseconds max) {
  auto d = min;
  for (unsigned i = 0; i < failures && d < max; ++i) d *= 2;
  return std::min(d, max);
}

namespace {

Reply copy_reply(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.type = r->type == REDIS_REPLY_STRING   ? Reply::Type::String
                 : r->type == REDIS_REPLY_STATUS ? Reply::Type::Status
                                                 : Reply::Type::Error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::Integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::Array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i)
        out.elements.push_back(copy_reply(r->element[i]));
      break;
    default:
      out.type = Reply::Type::Nil;
  }
  return out;
}

std::string_view element_str(const redisReply* r, std::size_t i) {
  if (r->type != REDIS_REPLY_ARRAY || i >= r->elements) return {};
  const auto* e = r->element[i];
  if (e->type != REDIS_REPLY_STRING && e->type != REDIS_REPLY_STATUS) return {};
  return {e->str, e->len};
}

/// Commands that change a connection's mode or database. Sent through command() they would break
/// the reply order (hiredis routes pub/sub replies elsewhere), speak RESP3 (HELLO 3), or be lost
/// at the next reconnect (SELECT).
bool connection_state_command(std::string_view name) {
  static constexpr std::string_view kRefused[] = {
      "SUBSCRIBE",    "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE",
      "SUNSUBSCRIBE", "MONITOR",    "HELLO",      "RESET",       "SELECT"};
  for (auto refused : kRefused)
    if (std::equal(name.begin(), name.end(), refused.begin(), refused.end(),
                   [](char a, char b) { return std::toupper(static_cast<unsigned char>(a)) == b; }))
      return true;
  return false;
}

/// argv/argvlen for redisAsyncCommandArgv, pointing into `args` (copied by hiredis at once).
struct Argv {
  explicit Argv(std::span<const std::string_view> args) {
    ptrs.reserve(args.size());
    lens.reserve(args.size());
    for (auto a : args) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;
};

}  // namespace

// ---------------------------------------------------------------------------------------------

/// One hiredis connection and its reconnect loop: the command connection or the subscriber one.
class Link {
 public:
  enum class Role { Command, Subscriber };
  Link(Client::Impl& owner, Role role);
  ~Link() { close(); }
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  void attempt();
  void close();
  bool up() const { return phase_ == Phase::Up; }
  /// Why commands fail now, or empty when they can be sent.
  std::string unavailable() const;
  Status send(std::span<const std::string_view> args, Client::ReplyCallback cb);
  void subscribe(const std::string& channel);
  void unsubscribe(const std::string& channel);

 private:
  enum class Phase { Down, Connecting, Up };
  enum class Step { User, Auth, Select };
  struct Pending {
    Step step;
    Client::ReplyCallback cb;
  };
  struct Held {  // a command issued before SELECT succeeded
    std::vector<std::string> args;
    Client::ReplyCallback cb;
  };
  static constexpr int kRead = 0, kWrite = 1;

  const char* name() const { return role_ == Role::Command ? "command" : "subscriber"; }
  void connect(const asio::ip::address& address);
  void fail_attempt(std::string why);
  void schedule_retry();
  void drop(std::string why);
  void drop_later(std::string why);
  void maybe_up();
  void send_held();
  bool issue(std::span<const std::string_view> args, redisCallbackFn* fn);
  std::string lost_reason(const redisAsyncContext* ac) const;
  void arm(int dir);
  void ready(int dir, unsigned gen, const boost::system::error_code& ec);
  void cleanup();
  void on_pending(redisAsyncContext* ac, redisReply* reply);
  void on_sub(redisReply* reply);

  static void reply_cb(redisAsyncContext* ac, void* reply, void* self) {
    static_cast<Link*>(self)->on_pending(ac, static_cast<redisReply*>(reply));
  }
  static void sub_cb(redisAsyncContext*, void* reply, void* self) {
    static_cast<Link*>(self)->on_sub(static_cast<redisReply*>(reply));
  }
  static void connect_cb(const redisAsyncContext* ac, int status) {
    if (status == REDIS_OK) static_cast<Link*>(ac->data)->tcp_connected_ = true;
  }
  static void add_read(void* self) { static_cast<Link*>(self)->want(kRead, true); }
  static void del_read(void* self) { static_cast<Link*>(self)->want(kRead, false); }
  static void add_write(void* self) { static_cast<Link*>(self)->want(kWrite, true); }
  static void del_write(void* self) { static_cast<Link*>(self)->want(kWrite, false); }
  static void cleanup_cb(void* self) { static_cast<Link*>(self)->cleanup(); }
  void want(int dir, bool on) {
    want_[dir] = on;
    if (on) arm(dir);
  }

  Client::Impl& owner_;
  const Role role_;
  redisAsyncContext* ac_ = nullptr;  // owned by hiredis once connected; see cleanup()
  std::optional<asio::posix::stream_descriptor> sd_;
  bool want_[2] = {false, false};
  bool armed_[2] = {false, false};
  unsigned gen_ = 0;      // bumped per context: handlers of an older one are ignored
  unsigned attempt_ = 0;  // bumped per attempt: timeouts and resolutions of an older one ignored
  Phase phase_ = Phase::Down;
  bool tcp_connected_ = false;
  bool selected_ = false;
  bool closing_ = false;
  unsigned failures_ = 0;
  std::set<std::string> awaiting_;  // subscriptions sent at connect, not confirmed yet
  std::deque<Pending> pending_;
  std::deque<Held> held_;    // sent once SELECT succeeds: never run in the wrong database
  std::string fail_reason_;  // set when we free the context ourselves
  std::string last_error_ = "connecting";
  asio::steady_timer timeout_timer_;
  asio::steady_timer retry_timer_;
  asio::ip::tcp::resolver resolver_;
};

struct Client::Impl : std::enable_shared_from_this<Client::Impl> {
  struct Channel {
    MessageCallback on_message;
    std::vector<std::function<void()>> on_subscribed;  // waiting for the confirmation
    bool confirmed = false;                            // by the current subscriber connection
  };

  Impl(asio::any_io_executor ex, Url u, Options o)
      : executor(std::move(ex)),
        url(std::move(u)),
        prefix("redis " + url.host_port()),
        options(o),
        cmd(*this, Link::Role::Command),
        sub(*this, Link::Role::Subscriber) {}

  /// Runs `f` later on the loop unless the Client is gone by then.
  template <class F>
  void post(F&& f) {
    asio::post(executor, [w = weak_from_this(), f = std::forward<F>(f)]() mutable {
      auto self = w.lock();
      if (self) f();
    });
  }
  void fail(const ReplyCallback& cb, std::string reason) {
    if (cb) post([cb, r = make_error(std::move(reason))]() mutable { cb(std::move(r)); });
  }
  void state_changed() {
    const bool now = cmd.up() && sub.up();
    if (now == reported_up) return;
    reported_up = now;
    post([this, now] {
      auto listeners = state_listeners;  // a listener may add another
      for (auto& l : listeners) l(now);
    });
  }
  void run_waiters(Channel& c) {
    if (c.on_subscribed.empty()) return;
    post([waiters = std::move(c.on_subscribed)] {
      for (const auto& w : waiters) w();
    });
    c.on_subscribed.clear();
  }
  void close() {
    cmd.close();
    sub.close();
  }

  asio::any_io_executor executor;
  Url url;
  std::string prefix;  // "redis HOST:PORT"
  Options options;
  std::map<std::string, Channel> channels;
  std::vector<StateCallback> state_listeners;
  bool reported_up = false;
  Link cmd;
  Link sub;
};

Link::Link(Client::Impl& owner, Role role)
    : owner_(owner),
      role_(role),
      timeout_timer_(owner.executor),
      retry_timer_(owner.executor),
      resolver_(owner.executor) {}

std::string Link::unavailable() const {
  if (closing_) return owner_.prefix + ": client closed";
  if (!ac_) return fmt::format("{}: not connected: {}", owner_.prefix, last_error_);
  return {};
}

void Link::attempt() {
  if (closing_) return;
  phase_ = Phase::Connecting;
  const unsigned attempt = ++attempt_;
  timeout_timer_.expires_after(owner_.options.connect_timeout);
  timeout_timer_.async_wait(
      [w = owner_.weak_from_this(), this, attempt](const boost::system::error_code& ec) {
        auto keep = w.lock();
        if (ec || !keep || attempt != attempt_ || phase_ != Phase::Connecting) return;
        const auto why = fmt::format("not ready after {} ms (connect timeout)",
                                     owner_.options.connect_timeout.count());
        if (ac_) return drop(why);
        resolver_.cancel();
        fail_attempt(why);
      });
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(owner_.url.host, ec);
  if (!ec) return connect(address);
  resolver_.async_resolve(
      owner_.url.host, std::to_string(owner_.url.port),
      [w = owner_.weak_from_this(), this, attempt](const boost::system::error_code& ec,
                                                   const asio::ip::tcp::resolver::results_type& r) {
        auto keep = w.lock();
        if (!keep || closing_ || attempt != attempt_ || phase_ != Phase::Connecting || ac_) return;
        if (ec || r.empty()) return fail_attempt(fmt::format("cannot resolve: {}", ec.message()));
        // IPv4 first: Redis is most often bound to 127.0.0.1 or a v4 address while "localhost"
        // may resolve to ::1 first.
        auto address = r.begin()->endpoint().address();
        for (const auto& e : r)
          if (e.endpoint().address().is_v4()) {
            address = e.endpoint().address();
            break;
          }
        connect(address);
      });
}

void Link::connect(const asio::ip::address& address) {
  redisAsyncContext* ac = redisAsyncConnect(address.to_string().c_str(), owner_.url.port);
  if (!ac) return fail_attempt("out of memory");
  if (ac->err) {
    std::string why = ac->errstr;
    redisAsyncFree(ac);  // no hooks attached yet: frees at once, calls nothing
    return fail_attempt(why);
  }
  ac_ = ac;
  ++gen_;
  tcp_connected_ = selected_ = false;
  fail_reason_.clear();
  want_[kRead] = want_[kWrite] = armed_[kRead] = armed_[kWrite] = false;
  sd_.emplace(owner_.executor, ac->c.fd);
  ac->data = this;
  ac->ev.data = this;
  ac->ev.addRead = &Link::add_read;
  ac->ev.delRead = &Link::del_read;
  ac->ev.addWrite = &Link::add_write;
  ac->ev.delWrite = &Link::del_write;
  ac->ev.cleanup = &Link::cleanup_cb;
  redisAsyncSetConnectCallback(ac, &Link::connect_cb);  // waits for writability: the connect

  // Queued before any command of the caller, so the caller's commands run in the right database.
  const auto& url = owner_.url;
  if (!url.password.empty()) {
    std::vector<std::string_view> auth{"AUTH"};
    if (!url.user.empty()) auth.push_back(url.user);
    auth.push_back(url.password);
    if (issue(auth, &Link::reply_cb)) pending_.push_back({Step::Auth, {}});
  }
  const auto db = std::to_string(url.db);
  const std::string_view select[] = {"SELECT", db};
  if (issue(select, &Link::reply_cb)) pending_.push_back({Step::Select, {}});
  if (role_ == Role::Subscriber && !owner_.channels.empty()) {
    std::vector<std::string_view> args{"SUBSCRIBE"};
    for (const auto& [channel, _] : owner_.channels) {
      args.push_back(channel);
      awaiting_.insert(channel);
    }
    issue(args, &Link::sub_cb);
  }
}

bool Link::issue(std::span<const std::string_view> args, redisCallbackFn* fn) {
  Argv argv(args);
  return redisAsyncCommandArgv(ac_, fn, this, argv.argc(), argv.ptrs.data(), argv.lens.data()) ==
         REDIS_OK;
}

Status Link::send(std::span<const std::string_view> args, Client::ReplyCallback cb) {
  if (auto why = unavailable(); !why.empty()) return make_error(why);
  if (pending_.size() + held_.size() >= owner_.options.max_in_flight)
    return make_error(fmt::format("{}: too many commands in flight ({})", owner_.prefix,
                                  owner_.options.max_in_flight));
  if (args.empty()) return make_error(owner_.prefix + ": empty command");
  if (connection_state_command(args[0]))
    return make_error(
        fmt::format("{}: {} is not sent through command(): the client owns its "
                    "connections' state (database from the URL, subscribe())",
                    owner_.prefix, args[0]));
  if (!selected_) {
    held_.push_back({std::vector<std::string>(args.begin(), args.end()), std::move(cb)});
    return {};
  }
  if (!issue(args, &Link::reply_cb))
    return make_error(fmt::format("{}: cannot send: {}", owner_.prefix, ac_->errstr));
  pending_.push_back({Step::User, std::move(cb)});
  return {};
}

void Link::subscribe(const std::string& channel) {
  if (!ac_) return;  // subscribed at the next connect
  const std::string_view args[] = {"SUBSCRIBE", channel};
  if (issue(args, &Link::sub_cb) && phase_ == Phase::Connecting) awaiting_.insert(channel);
}

void Link::unsubscribe(const std::string& channel) {
  awaiting_.erase(channel);
  if (ac_) {
    const std::string_view args[] = {"UNSUBSCRIBE", channel};
    (void)issue(args, &Link::sub_cb);  // refused by hiredis when nothing is subscribed: fine
  }
  maybe_up();
}

std::string Link::lost_reason(const redisAsyncContext* ac) const {
  if (!fail_reason_.empty()) return fmt::format("{}: {}", owner_.prefix, fail_reason_);
  if (tcp_connected_) return owner_.prefix + ": connection lost";
  return fmt::format("{}: {}", owner_.prefix, ac->err ? ac->errstr : "connection failed");
}

void Link::on_pending(redisAsyncContext* ac, redisReply* reply) {
  if (pending_.empty()) return;  // cannot happen: one entry per regular command sent
  Pending p = std::move(pending_.front());
  pending_.pop_front();
  if (closing_) return;
  if (p.step == Step::User) {
    if (!p.cb) return;
    if (reply) {
      owner_.post([cb = std::move(p.cb), r = copy_reply(reply)]() mutable { cb(std::move(r)); });
    } else {
      owner_.fail(p.cb, lost_reason(ac));
    }
    return;
  }
  if (!reply) return;  // the connection is going anyway
  if (reply->type == REDIS_REPLY_ERROR) {
    return drop_later(fmt::format("{} refused: {}", p.step == Step::Auth ? "AUTH" : "SELECT",
                                  std::string_view(reply->str, reply->len)));
  }
  if (p.step == Step::Select) {
    selected_ = true;
    send_held();
    maybe_up();
  }
}

void Link::on_sub(redisReply* reply) {
  if (!reply || closing_) return;  // NULL: the context is being freed
  const auto kind = element_str(reply, 0);
  const std::string channel(element_str(reply, 1));
  if (kind == "message") {
    owner_.post([o = &owner_, channel, msg = std::string(element_str(reply, 2))] {
      auto it = o->channels.find(channel);  // unsubscribed since: dropped
      if (it != o->channels.end() && it->second.on_message) it->second.on_message(channel, msg);
    });
  } else if (kind == "subscribe") {
    awaiting_.erase(channel);
    if (auto it = owner_.channels.find(channel); it != owner_.channels.end()) {
      it->second.confirmed = true;
      owner_.run_waiters(it->second);
    }
    maybe_up();
  }
}

void Link::send_held() {
  auto held = std::move(held_);
  held_.clear();
  for (auto& h : held) {
    std::vector<std::string_view> args(h.args.begin(), h.args.end());
    if (issue(args, &Link::reply_cb))
      pending_.push_back({Step::User, std::move(h.cb)});
    else
      owner_.fail(h.cb, fmt::format("{}: cannot send: {}", owner_.prefix, ac_->errstr));
  }
}

void Link::maybe_up() {
  if (phase_ != Phase::Connecting || !selected_ || !awaiting_.empty()) return;
  phase_ = Phase::Up;
  timeout_timer_.cancel();
  if (failures_ > 0)
    spdlog::info("{}: {} connection up again", owner_.prefix, name());
  else
    spdlog::debug("{}: {} connection up", owner_.prefix, name());
  failures_ = 0;
  last_error_.clear();
  owner_.state_changed();
}

void Link::fail_attempt(std::string why) {
  timeout_timer_.cancel();
  phase_ = Phase::Down;
  if (failures_ == 0) spdlog::warn("{}: {} connection: {}", owner_.prefix, name(), why);
  last_error_ = std::move(why);
  schedule_retry();
  owner_.state_changed();
}

void Link::schedule_retry() {
  if (closing_) return;
  retry_timer_.expires_after(
      retry_delay(failures_++, owner_.options.retry_min, owner_.options.retry_max));
  retry_timer_.async_wait([w = owner_.weak_from_this(), this](const boost::system::error_code& ec) {
    auto keep = w.lock();
    if (!ec && keep && !closing_) attempt();
  });
}

void Link::drop(std::string why) {
  if (!ac_) return;
  fail_reason_ = std::move(why);
  redisAsyncFree(ac_);  // NULL replies for the pending, then cleanup()
}

void Link::drop_later(std::string why) {
  // Inside a hiredis callback a free is deferred by hiredis itself; doing it from the loop
  // instead keeps one path.
  owner_.post([this, gen = gen_, why = std::move(why)]() mutable {
    if (gen == gen_) drop(std::move(why));
  });
}

void Link::arm(int dir) {
  if (!sd_ || armed_[dir]) return;
  armed_[dir] = true;
  sd_->async_wait(
      dir == kRead ? asio::posix::stream_descriptor::wait_read
                   : asio::posix::stream_descriptor::wait_write,
      [w = owner_.weak_from_this(), this, dir, gen = gen_](const boost::system::error_code& ec) {
        if (auto keep = w.lock()) ready(dir, gen, ec);
      });
}

void Link::ready(int dir, unsigned gen, const boost::system::error_code& ec) {
  if (gen != gen_) return;  // a wait of a context since freed
  armed_[dir] = false;
  if (ec == asio::error::operation_aborted || !ac_ || !want_[dir]) return;
  if (dir == kRead)
    redisAsyncHandleRead(ac_);
  else
    redisAsyncHandleWrite(ac_);
  if (ac_ && gen == gen_ && want_[dir]) arm(dir);
}

void Link::cleanup() {
  // hiredis is freeing ac_ (it closes the fd right after): stop watching the fd first.
  if (sd_) {
    sd_->release();
    sd_.reset();
  }
  const bool was_up = phase_ == Phase::Up;
  if (!closing_) {
    const auto reason = lost_reason(ac_);
    for (auto& h : held_) owner_.fail(h.cb, reason);
  }
  held_.clear();
  std::string why = !fail_reason_.empty() ? fail_reason_
                    : ac_->err            ? std::string(ac_->errstr)
                                          : std::string("connection closed");
  ac_ = nullptr;
  ++gen_;
  awaiting_.clear();
  if (role_ == Role::Subscriber)
    for (auto& [_, c] : owner_.channels) c.confirmed = false;
  selected_ = false;
  if (closing_) return;
  if (was_up) {
    spdlog::warn("{}: {} connection lost ({}); reconnecting", owner_.prefix, name(), why);
    phase_ = Phase::Down;
    last_error_ = "connection lost (" + why + ")";
    schedule_retry();
    owner_.state_changed();
  } else {
    fail_attempt(std::move(why));
  }
}

void Link::close() {
  if (closing_) return;
  closing_ = true;
  retry_timer_.cancel();
  timeout_timer_.cancel();
  resolver_.cancel();
  if (ac_) redisAsyncFree(ac_);  // pending callbacks are dropped (closing_), cleanup() runs
  pending_.clear();
  held_.clear();
  phase_ = Phase::Down;
}

// ---------------------------------------------------------------------------------------------

Client::Client(asio::any_io_executor executor, Url url, Options options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(url), options)) {
  impl_->cmd.attempt();
  impl_->sub.attempt();
}

Client::Client(asio::any_io_executor executor, Url url)
    : Client(std::move(executor), std::move(url), Options{}) {}

Client::~Client() {
  impl_->close();
}

void Client::command(std::span<const std::string_view> args, ReplyCallback cb) {
  if (auto st = impl_->cmd.send(args, cb); !st) impl_->fail(cb, st.error().reason);
}

void Client::command(const std::vector<std::string>& args, ReplyCallback cb) {
  std::vector<std::string_view> views(args.begin(), args.end());
  command(std::span<const std::string_view>(views), std::move(cb));
}

void Client::publish(std::string_view channel, std::string_view message, ReplyCallback cb) {
  const std::string_view args[] = {"PUBLISH", channel, message};
  command(args, std::move(cb));
}

void Client::subscribe(const std::string& channel, MessageCallback on_message,
                       std::function<void()> on_subscribed) {
  auto [it, added] = impl_->channels.try_emplace(channel);
  it->second.on_message = std::move(on_message);
  if (on_subscribed) it->second.on_subscribed.push_back(std::move(on_subscribed));
  if (added)
    impl_->sub.subscribe(channel);
  else if (it->second.confirmed)
    impl_->run_waiters(it->second);
}

void Client::unsubscribe(const std::string& channel) {
  if (impl_->channels.erase(channel) == 0) return;
  impl_->sub.unsubscribe(channel);
}

void Client::on_state(StateCallback cb) {
  impl_->state_listeners.push_back(std::move(cb));
}

bool Client::up() const {
  return impl_->reported_up;
}

const Url& Client::url() const {
  return impl_->url;
}

// ---------------------------------------------------------------------------------------------

Status check_reachable(const Url& url, milliseconds timeout) {
  auto fail = [&](std::string_view why) {
    return make_error(fmt::format("cannot reach Redis at {}: {}", url.text, why));
  };
  const timeval tv{static_cast<time_t>(timeout.count() / 1000),
                   static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  std::unique_ptr<redisContext, decltype(&redisFree)> c(
      redisConnectWithTimeout(url.host.c_str(), url.port, tv), &redisFree);
  if (!c) return fail("out of memory");
  if (c->err) return fail(c->errstr);
  redisSetTimeout(c.get(), tv);
  auto run = [&](std::span<const std::string_view> args) -> Result<Reply> {
    Argv argv(args);
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(c.get(), argv.argc(), argv.ptrs.data(), argv.lens.data()));
    if (!r) return make_error(c->errstr);
    Reply out = copy_reply(r);
    freeReplyObject(r);
    if (out.is_error()) return make_error(fmt::format("{} refused: {}", args[0], out.str));
    return out;
  };
  if (!url.password.empty()) {
    std::vector<std::string_view> auth{"AUTH"};
    if (!url.user.empty()) auth.push_back(url.user);
    auth.push_back(url.password);
    if (auto r = run(auth); !r) return fail(r.error().reason);
  }
  const auto db = std::to_string(url.db);
  const std::string_view select[] = {"SELECT", db};
  if (auto r = run(select); !r) return fail(r.error().reason);
  const std::string_view ping[] = {"PING"};
  if (auto r = run(ping); !r) return fail(r.error().reason);
  return {};
}

}  // namespace minirtc::redis
