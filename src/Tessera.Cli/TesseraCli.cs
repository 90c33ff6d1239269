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
        var root = new RootCommand("Tessera: design heterogeneous chiplet-based AI accelerators and schedule neural networks on them.");
        var csv = new Option<bool>("--csv")
        {
            Description = "Write every table as CSV (result tables with numbers in the base units their headers name) instead of drawing it",
            Recursive = true,
        };
        root.Options.Add(csv);
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
        root.Subcommands.Add(SweepCommand.Create(context));
        root.Subcommands.Add(ResultsCommand.Create(context));

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
}

/// <summary>Where commands write (a Spectre console for tables, raw writers for JSON and errors) and the arguments they were given.</summary>
public sealed record CliContext(IAnsiConsole Console, TextWriter Out, TextWriter Error, IReadOnlyList<string> Args);
