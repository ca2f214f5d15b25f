#include "tests/support/service_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "gtest/gtest.h"

namespace chiso::test_support {
namespace {

// True when a TCP connection to 127.0.0.1:`port` is accepted.
bool PortAccepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

}  // namespace

std::unique_ptr<ServiceProcess> MakeService(const std::string& name, const std::string& binary,
                                            const std::string& dir) {
  auto s = std::make_unique<ServiceProcess>();
  s->name = name;
  s->binary = binary;
  s->port = FreePort();
  s->log = absl::StrCat(dir, "/", name, ".log");
  return s;
}

std::shared_ptr<grpc::Channel> ServiceChannel(int port) { return ServiceChannel(port, nullptr); }

std::shared_ptr<grpc::Channel> ServiceChannel(
    int port, std::shared_ptr<grpc::ChannelCredentials> credentials) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", port),
      credentials != nullptr ? credentials : grpc::InsecureChannelCredentials(), args);
}

bool StartService(ServiceProcess& s, const std::string& dir, const std::vector<std::string>& extra,
                  absl::Duration limit) {
  std::vector<std::string> argv = {s.binary,
                                   absl::StrCat("--listen=127.0.0.1:", s.port),
                                   "--metrics_listen=",
                                   "--probe_listen=",
                                   absl::StrCat("--data_dir=", dir),
                                   "--drain_grace=0s"};
  argv.insert(argv.end(), s.security_flags.begin(), s.security_flags.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  absl::Status started = s.process.Start(argv, s.log);
  EXPECT_TRUE(started.ok()) << started;
  const absl::Time deadline = absl::Now() + limit;
  // Dial only once the port accepts: a gRPC channel that met a refused
  // connection stays in TRANSIENT_FAILURE for seconds after the server is up.
  while (absl::Now() < deadline && s.process.Running() && !PortAccepts(s.port)) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  auto health = grpc::health::v1::Health::NewStub(ServiceChannel(s.port, s.credentials));
  while (absl::Now() < deadline) {
    if (!s.process.Running()) break;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse res;
    if (health->Check(&ctx, req, &res).ok() &&
        res.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  ADD_FAILURE() << s.name << " did not become healthy; log:\n" << TailOf(s.log);
  return false;
}

std::string CreateUnit(chiso::assignment::v1::AssignmentService::Stub& stub,
                       const std::string& code, const std::string& name,
                       chiso::assignment::v1::UnitKind kind, const std::string& parent) {
  grpc::ClientContext ctx;
  chiso::assignment::v1::CreateUnitRequest req;
  req.mutable_unit()->set_code(code);
  req.mutable_unit()->set_display_name(name);
  req.mutable_unit()->set_kind(kind);
  req.mutable_unit()->set_parent(parent);
  chiso::assignment::v1::Unit out;
  grpc::Status s = stub.CreateUnit(&ctx, req, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out.name();
}

}  // namespace chiso::test_support
