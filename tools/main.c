/* wick — command-line entry point: dispatches to one subcommand per file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
} command;

static const command kCommands[] = {
    {"convert", cmd_convert, "convert an ONNX model into an ExecuTorch program (.pte)"},
    {"run", cmd_run, "run a method on .npy inputs (or ones) and print / save its outputs"},
    {"inspect", cmd_inspect, "describe a .pte / .bpte / .ptd: header, segments, methods, memory"},
    {"verify", cmd_verify, "run every test case bundled in a .bpte and compare the outputs"},
    {"bench", cmd_bench, "time loading and executing a method"},
    {"generate", cmd_generate, "generate text with an LLM program (llama2.c tokenizer)"},
    {"bench-llm", cmd_bench_llm, "time LLM prefill and decode (tokens/s)"},
    {"translate", cmd_translate, "translate German lines into English (embedded de-en model)"},
    {"profile", cmd_profile, "per-operator time table (and Chrome/Perfetto trace) of a method"},
    {"bleu", cmd_bleu, "corpus BLEU of a hypothesis file against a reference (sacreBLEU's default)"},
};
#define NUM_COMMANDS (sizeof kCommands / sizeof kCommands[0])

static void usage(FILE *out) {
  fprintf(out,
          "wick %s — run, inspect, verify and benchmark ExecuTorch programs\n"
          "\n"
          "usage: wick <command> [options]\n"
          "       wick <command> --help\n"
          "       wick --version\n"
          "\n"
          "commands:\n",
          WICK_VERSION_STRING);
  for (size_t i = 0; i < NUM_COMMANDS; i++)
    fprintf(out, "  %-9s %s\n", kCommands[i].name, kCommands[i].summary);
  fprintf(out,
          "\n"
          "Exit status: 0 on success; 1 on any failure, including usage errors. Every\n"
          "failure prints one line on stderr naming the file and the reason.\n");
}

int main(int argc, char **argv) {
  if (argc < 2)
    return cli_error("missing command (usage: wick <command> [options]; see 'wick --help')");
  const char *name = argv[1];
  if (cli_is_help(name) || strcmp(name, "help") == 0) {
    if (strcmp(name, "help") == 0 && argc > 2) {
      for (size_t i = 0; i < NUM_COMMANDS; i++) {
        if (strcmp(argv[2], kCommands[i].name) == 0) {
          char help[] = "--help";
          char *sub[] = {argv[2], help, NULL};
          return kCommands[i].fn(2, sub);
        }
      }
      return cli_error("unknown command '%s' (see 'wick --help')", argv[2]);
    }
    usage(stdout);
    return 0;
  }
  if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
    printf("wick %s\n", WICK_VERSION_STRING);
    return 0;
  }
  for (size_t i = 0; i < NUM_COMMANDS; i++)
    if (strcmp(name, kCommands[i].name) == 0) return kCommands[i].fn(argc - 1, argv + 1);
  if (name[0] == '-') return cli_error("unknown option '%s' (see 'wick --help')", name);
  return cli_error("unknown command '%s' (see 'wick --help')", name);
}
