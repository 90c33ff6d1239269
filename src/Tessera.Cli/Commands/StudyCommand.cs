using System.CommandLine;
using Spectre.Console;
using Tessera.Reports.Html;
using Tessera.Studies;
using Tessera.Technology;

namespace Tessera.Cli.Commands;

/// <summary>`tessera study [NAME] [study.yaml]`: deployment studies on composed chiplet packages.</summary>
internal static class StudyCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string?>("name")
        {
            Arity = ArgumentArity.ZeroOrOne,
            Description = $"The study: {string.Join(", ", StudyRegistry.All.Select(s => s.Name))}; without it, the list of studies",
        };
        var file = new Argument<string?>("study") { Arity = ArgumentArity.ZeroOrOne, Description = "Study YAML file; the built-in default when omitted" };
        var printDefault = new Option<bool>("--print-default") { Description = "Print the study's built-in YAML (copy it, edit it, pass it back)" };
        var json = new Option<bool>("--json") { Description = "Write JSON instead of tables" };
        var full = new Option<bool>("--full") { Description = "Search the study file's large space (its full: section) instead of the fast default one" };
        var costModel = CostModelOption.Create();
        var store = StoreOption.Create();
        var report = ReportOption.Create();
        var progress = ProgressBar.Option();
        var command = new Command("study", "Deployment studies: LLM serving, speculative decoding, AV perception") { name, file, printDefault, json, full, costModel, store, report, progress };
        command.SetAction(parse =>
        {
            if (parse.GetValue(name) is not { } studyName)
            {
                if (parse.GetValue(json)) JsonOutput.Write(context.Out, StudyRegistry.All.Select(s => new { s.Name, s.Description }));
                else
                {
                    var table = new Table().AddColumns("study", "does");
                    foreach (var s in StudyRegistry.All) table.AddRow(Markup.Escape(s.Name), Markup.Escape(s.Description));
                    context.Console.Write(table);
                    context.Console.MarkupLine("Run one with [bold]tessera study NAME [[study.yaml]][/]; [bold]--print-default[/] prints its YAML.");
                }
                return 0;
            }
            var study = StudyRegistry.Find(studyName);
            if (parse.GetValue(printDefault))
            {
                context.Out.Write(study.DefaultYaml);
                return 0;
            }
            var results = StoreOption.Open(parse.GetValue(store));
            var reportFile = ReportOption.Open(parse.GetValue(report));
            var options = new StudyOptions(parse.GetValue(file), TechnologyLibrary.LoadDefault(),
                parse.GetResult(costModel) is { Implicit: false } ? parse.GetValue(costModel) : null, parse.GetValue(full));
            bool asJson = parse.GetValue(json);
            // A study simulates every candidate package (seconds to a minute).
            var result = ProgressBar.Run(context, ProgressBar.Mode(context, parse.GetValue(progress), asJson), $"study {study.Name}",
                bar => study.Run(options, bar, CancellationToken.None));
            var manifest = JsonOutput.ManifestOf(context, costModel: result.CostModel);
            var tables = result.ToTables();
            StoreOption.Append(context, results, manifest, "study", study.Name, feasible: true, [], tables);
            ReportOption.Write(reportFile, () => TableReport.Build($"tessera study {study.Name}", study.Description, tables, manifest));
            if (asJson) JsonOutput.WriteResult(context.Out, result.ToJson(), manifest);
            else ResultTablePrinter.Print(context.Console, tables);
            return 0;
        });
        return command;
    }
}
