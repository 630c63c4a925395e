// Uses the installed vitrine client library: parses an address, and makes a
// call that must fail to connect (nothing listens at unix:/nonexistent);
// vitrine/version.h must be installed and agree with the package version.
// Exits 0 when all behave as documented.
#include <cstring>
#include <iostream>

#include <vitrine/client.h>
#include <vitrine/endpoint.h>
#include <vitrine/version.h>

int main() {
  if (std::strcmp(vitrine::kVersion, EXPECTED_VITRINE_VERSION) != 0) {
    std::cerr << "consumer: vitrine/version.h says " << vitrine::kVersion << ", the package " << EXPECTED_VITRINE_VERSION << '\n';
    return 1;
  }
  vitrine::Endpoint endpoint = vitrine::Endpoint::parse("tcp:[::1]:9090");
  if (endpoint.kind != vitrine::Endpoint::Kind::Tcp || endpoint.host != "::1" || endpoint.port != 9090) {
    std::cerr << "consumer: parsed tcp:[::1]:9090 as " << endpoint.toString() << '\n';
    return 1;
  }

  vitrine::Client client(vitrine::Endpoint::parse("unix:/nonexistent"));
  try {
    client.ping();
  } catch (const vitrine::ConnectError& error) {
    std::cout << "consumer: ConnectError as expected: " << error.what() << '\n';
    return 0;
  }
  std::cerr << "consumer: ping to unix:/nonexistent did not fail\n";
  return 1;
}
