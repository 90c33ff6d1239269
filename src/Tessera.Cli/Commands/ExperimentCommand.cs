using System.CommandLine;
using Spectre.Console;
using Tessera.Diagnostics;
using Tessera.Experiments;
using Tessera.Reports.Html;

namespace Tessera.Cli.Commands;

/// <summary>`tessera experiment NAME`: run one of the seed papers' experiments and print its table.</summary>
internal static class ExperimentCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string?>("name")
        {
            Arity = ArgumentArity.ZeroOrOne,
            Description = $"Experiment to run: {string.Join(", ", ExperimentRegistry.All.Select(e => e.Name))}; without it, list them",
        };
        var json = new Option<bool>("--json") { Description = "Write the result as JSON to stdout instead of a table" };
        var outFile = new Option<string?>("--out") { Description = "Also write the result as JSON to this file" };
        var shared = new Option<string?>("--shared") { Description = "The shared folder holding data/ (default: TESSERA_SHARED, else the first ancestor with shared/data)" };
        var reduced = new Option<bool>("--reduced") { Description = "Run the reduced configuration set (fewer rows, small batches; what the tests run)" };
        var costModel = CostModelOption.Create();
        var setting = new Option<ExperimentSetting>("--setting")
        {
            Description = "Whose modelling choices: tessera (programmable chiplets, the experiment's own batches and deadlines) or scar " +
                "(SCAR's experiments as SCAR ran them: fixed-function chiplets, whole-sample mini-batches, MAC layers, AR/VR batch = fps); SCAR and interlayer experiments",
            DefaultValueFactory = _ => ExperimentSetting.Tessera,
        }.ByName();
        var miniBatchSize = OptionChecks.MiniBatchSize("The experiment's mini-batch (default: the setting's; docs/experiments.md)");
        var store = StoreOption.Create();
        var report = ReportOption.Create();
        var progress = ProgressBar.Option();
        var jobs = OptionChecks.Jobs("Independent cells run at once (the SCAR experiments)");
        var command = new Command("experiment", "Run a seed paper's experiment (SCAR datacenter and AR/VR, inter-layer scheduling, Stream fusion) and print its table")
            { name, json, outFile, shared, reduced, costModel, setting, miniBatchSize, store, report, progress, jobs };
        command.SetAction(parse =>
        {
            if (parse.GetValue(name) is not { } experimentName)
            {
                // The list takes no settings: one given without a name would otherwise be ignored without a word.
                if (new Option[] { outFile, shared, reduced, costModel, setting, miniBatchSize, report }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } given)
                    throw new TesseraInputException($"{given.Name} applies to a named experiment; expected 'tessera experiment NAME {given.Name} …'");
                var list = new Table().AddColumns("experiment", "compares");
                foreach (var e in ExperimentRegistry.All)
                    list.AddRow(Markup.Escape(e.Name), Markup.Escape(e.Description));
                context.Console.Write(list);
                return 0;
            }
            var experiment = ExperimentRegistry.Find(experimentName);
            var output = OutputFile.File(parse.GetValue(outFile), "--out");
            var results = StoreOption.Open(parse.GetValue(store));
            var reportFile = ReportOption.Open(parse.GetValue(report));
            var folder = ExperimentRegistry.LocateShared(parse.GetValue(shared) ?? Environment.GetEnvironmentVariable("TESSERA_SHARED"),
                [Directory.GetCurrentDirectory(), AppContext.BaseDirectory]);
            var options = new ExperimentOptions(folder, parse.GetValue(reduced), parse.GetValue(costModel)!,
                parse.GetValue(setting), parse.GetValue(miniBatchSize))
            { Jobs = parse.GetValue(jobs) };
            options.Check(experiment);
            bool asJson = parse.GetValue(json);
            // Experiments simulate many configurations (seconds to minutes).
            var result = ProgressBar.Run(context, ProgressBar.Mode(context, parse.GetValue(progress), asJson), $"experiment {experiment.Name}",
                bar => experiment.Run(options, bar, CancellationToken.None));
            var manifest = JsonOutput.ManifestOf(context, options.Inputs, result.CostModel);
            var table = result.ToTable();
            StoreOption.Append(context, results, manifest, "experiment", experiment.Name, feasible: true, [], [table]);
            ReportOption.Write(reportFile, () => TableReport.Build($"tessera experiment {experiment.Name}", experiment.Description, [table], manifest));
            output?.WriteText(writer => JsonOutput.WriteResult(writer, result, manifest));
            if (asJson) JsonOutput.WriteResult(context.Out, result, manifest);
            else ResultTablePrinter.Print(context.Console, table);
            return 0;
        });
        return command;
    }
}
