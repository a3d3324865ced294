#pragma once
// Each subcommand of the `minirtc` binary registers itself on the root CLI11 app from its own file.

#include <CLI/CLI.hpp>

namespace minirtc::cli {

void register_serve_command(CLI::App& root);  // serve_command.cpp
void register_url_command(CLI::App& root);    // url_command.cpp
void register_token_command(CLI::App& root);  // token_command.cpp
void register_bench_command(CLI::App& root);  // bench_command.cpp

}  // namespace minirtc::cli
