// minirtc: one binary for the server and its helpers. Exceptions stop at this edge.

#include <exception>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  // Logs go to stderr for every command: stdout carries only what scripts read (URLs, tokens,
  // the "listening" line).
  spdlog::set_default_logger(spdlog::stderr_color_mt("minirtc"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  CLI::App app{"MiniRTC: self-hosted real-time audio/video for WeChat mini programs"};
  app.require_subcommand(1);
  minirtc::cli::register_serve_command(app);
  minirtc::cli::register_url_command(app);
  minirtc::cli::register_token_command(app);
  minirtc::cli::register_bench_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "minirtc: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
