using System.CommandLine;
using Spectre.Console;
using Tessera.Cli.Commands;
using Tessera.Diagnostics;

namespace Tessera.Cli;

/// <summary>The `tessera` command tree. Bad input prints one line on stderr and exits with code 2.</summary>
public static class TesseraCli
{
    public const int BadInput = 2;

    /// <summary>Valid input with no schedule (a baseline that cannot run there, a layer that fits no memory …).</summary>
    public const int Infeasible = 1;

    /// <summary>A result that broke an invariant (NaN, infinity, a negative energy or time): a bug, never printed as a result.</summary>
    public const int InternalError = 3;
    private const int RedirectedWidth = 200;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        // Redirected output (a file, a pipe, a batch log) gets plain text without escape codes.
        bool redirected = Console.IsOutputRedirected || stdout != Console.Out;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Interactive = InteractionSupport.No,
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        // COLUMNS, when set, is the width a pipe or a log is read at (tables wider than it are split).
        if (redirected)
            console.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0 ? columns : RedirectedWidth;
        var tables = new TableConsole(console, stdout);
        var context = new CliContext(tables, stdout, stderr, [.. args]);
        var (root, csv, limits) = Tree(context);

        // Without a command, say what the commands are.
        var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                stderr.WriteLine($"error: {error.Message}");
            stderr.WriteLine("Try 'tessera --help'.");
            return BadInput;
        }
        tables.Csv = parse.GetValue(csv);
        try
        {
            using var scope = Limits.Use((parse.GetValue(limits) ?? []).Aggregate(Limits.Default, (l, setting) => l.With(setting)));
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (TesseraInputException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return BadInput;
        }
        catch (InfeasibleException e)
        {
            stderr.WriteLine($"infeasible: {e.Message}");
            return Infeasible;
        }
        catch (InvariantViolationException e)
        {
            stderr.WriteLine($"internal error: {e.Message} (please report this with the command line)");
            return InternalError;
        }
    }

    /// <summary>
    /// Every command and subcommand (e.g. "results list") with the options it takes, root options included, and whether
    /// each takes a value: what a tool exercising every flag (the fuzzer) reads instead of a copy that goes stale.
    /// <see cref="WritesPath"/> tells the options that name a file the command writes.
    /// </summary>
    public static IReadOnlyList<(string Command, IReadOnlyList<(string Name, bool TakesValue)> Options)> Commands()
    {
        var (root, _, _) = Tree(new CliContext(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) }),
            TextWriter.Null, TextWriter.Null, []));
        static (string, bool) Describe(Option o) => (o.Name, o.Arity.MaximumNumberOfValues > 0 && o.ValueType != typeof(bool));
        static bool Computes(Option o) => o is not (System.CommandLine.Help.HelpOption or VersionOption);
        var rootOptions = root.Options.Where(o => o.Recursive && Computes(o)).Select(Describe).ToList();
        IEnumerable<(string, IReadOnlyList<(string, bool)>)> Walk(Command command, string prefix) =>
            command.Subcommands.SelectMany(c => Walk(c, $"{prefix}{c.Name} ").Prepend(($"{prefix}{c.Name}",
                (IReadOnlyList<(string, bool)>)[.. c.Options.Where(Computes).Select(Describe).Concat(rootOptions)])));
        return [.. Walk(root, "")];
    }

    /// <summary>Whether an option names a file or folder the command writes (--out, --store, --trace …).</summary>
    public static bool WritesPath(string option) => OutputFile.PathOptions.Contains(option);

    private static (RootCommand Root, Option<bool> Csv, Option<string[]> Limits) Tree(CliContext context)
    {
        var root = new RootCommand("Tessera: design heterogeneous chiplet-based AI accelerators and schedule neural networks on them.");
        var csv = new Option<bool>("--csv")
        {
            Description = "Write every table as CSV (result tables with numbers in the base units their headers name) instead of drawing it",
            Recursive = true,
        };
        var limits = new Option<string[]>("--limit")
        {
            Description = "Raise (or lower) a limit or budget for this run, NAME=VALUE, repeatable: " +
                string.Join(", ", Limits.Default.Named().Select(n => $"{n.Name} ({n.Value:0})")) + " (docs/reliability.md)",
            Recursive = true,
            AllowMultipleArgumentsPerToken = false,
        };
        root.Options.Add(csv);
        root.Options.Add(limits);
        root.Subcommands.Add(RunCommand.Create(context));
        root.Subcommands.Add(ModelsCommand.Create(context));
        root.Subcommands.Add(InspectCommand.Create(context));
        root.Subcommands.Add(HardwareCommand.Create(context));
        root.Subcommands.Add(MapCommand.Create(context));
        root.Subcommands.Add(CostCommand.Create(context));
        root.Subcommands.Add(CandidatesCommand.Create(context));
        root.Subcommands.Add(FloorplanCommand.Create(context));
        root.Subcommands.Add(ExperimentCommand.Create(context));
        root.Subcommands.Add(StudyCommand.Create(context));
        root.Subcommands.Add(EcosystemCommand.Create(context));
        root.Subcommands.Add(ResultsCommand.Create(context));
        return (root, csv, limits);
    }
}

/// <summary>Where commands write (a Spectre console for tables, raw writers for JSON and errors) and the arguments they were given.</summary>
public sealed record CliContext(IAnsiConsole Console, TextWriter Out, TextWriter Error, IReadOnlyList<string> Args);
