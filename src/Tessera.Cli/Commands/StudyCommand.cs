using System.CommandLine;
using Spectre.Console;
using Tessera.Diagnostics;
using Tessera.Studies;
using Tessera.Technology;

namespace Tessera.Cli.Commands;

/// <summary>`tessera study [NAME] [study.yaml]`: deployment studies on composed chiplet packages.</summary>
internal static class StudyCommand
{
    private static readonly (string Name, string Description)[] Studies =
    [
        (LlmServingStudy.Name, "LLM serving: prefill and decode (disaggregated or not), KV cache, TTFT/TPOT targets, $ per million tokens"),
        (SpeculativeDecodingStudy.Name, "speculative decoding: a draft on small chiplets, the target on large ones, swept over α and γ"),
        (AvPerceptionStudy.Name, "autonomous-vehicle perception: cameras × CNN + transformer fusion under a frame deadline, minimising energy × cost"),
    ];

    public static Command Create(CliContext context)
    {
        var name = new Argument<string?>("name") { Arity = ArgumentArity.ZeroOrOne, Description = "The study; without it, the list of studies" };
        var file = new Argument<string?>("study") { Arity = ArgumentArity.ZeroOrOne, Description = "Study YAML file; the built-in default when omitted" };
        var printDefault = new Option<bool>("--print-default") { Description = "Print the study's built-in YAML (copy it, edit it, pass it back)" };
        var json = new Option<bool>("--json") { Description = "Write JSON instead of tables" };
        var command = new Command("study", "Deployment studies: LLM serving, speculative decoding, AV perception") { name, file, printDefault, json };
        command.SetAction(parse =>
        {
            var study = parse.GetValue(name);
            if (study is null)
            {
                if (parse.GetValue(json)) JsonOutput.Write(context.Out, Studies.Select(s => new { s.Name, s.Description }));
                else
                {
                    var table = new Table().AddColumns("study", "does");
                    foreach (var (n, d) in Studies) table.AddRow(n, Markup.Escape(d));
                    context.Console.Write(table);
                    context.Console.MarkupLine("Run one with [bold]tessera study NAME [[study.yaml]][/]; [bold]--print-default[/] prints its YAML.");
                }
                return 0;
            }
            study = study.Trim().ToLowerInvariant();
            if (!Studies.Any(s => s.Name == study))
                throw new TesseraInputException($"unknown study '{study}'; expected one of {string.Join(", ", Studies.Select(s => s.Name))}");
            if (parse.GetValue(printDefault))
            {
                context.Out.Write(StudyFiles.DefaultText(study));
                return 0;
            }
            var technology = TechnologyLibrary.LoadDefault();
            var path = parse.GetValue(file);
            void Run<T>(string what, Func<IProgress<double>?, T> run, Func<T, object> describe, Action<IAnsiConsole, T> print)
            {
                var result = ProgressBar.Run(context, parse.GetValue(json), what, run);
                if (parse.GetValue(json)) JsonOutput.Write(context.Out, describe(result));
                else print(context.Console, result);
            }
            switch (study)
            {
                case SpeculativeDecodingStudy.Name:
                {
                    var config = SpeculativeConfig.Load(path, technology);
                    Run("Simulating draft and target steps", p => SpeculativeDecodingStudy.Run(config, technology, progress: p), StudyOutput.Describe, StudyOutput.Print);
                    break;
                }
                case LlmServingStudy.Name:
                {
                    var config = LlmServingConfig.Load(path, technology);
                    Run("Simulating prefill and decode on candidate packages", p => LlmServingStudy.Run(config, technology, progress: p), StudyOutput.Describe, StudyOutput.Print);
                    break;
                }
                default:
                {
                    var config = AvPerceptionConfig.Load(path, technology);
                    Run("Simulating perception stages on candidate packages", p => AvPerceptionStudy.Run(config, technology, progress: p), StudyOutput.Describe, StudyOutput.Print);
                    break;
                }
            }
            return 0;
        });
        return command;
    }
}
