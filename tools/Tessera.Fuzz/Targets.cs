namespace Tessera.Fuzz;

/// <summary>One generated input: the command line to run and the entry point it exercises.</summary>
public sealed record FuzzCase(int Index, string EntryPoint, string[] Args, string Mutation);

/// <summary>
/// The entry points fuzzed and the seed inputs each one mutates: every YAML loader, the ONNX importer, the MAESTRO
/// parser and every command's flags. Seeds are real files (../shared/data, examples/) or the built-in defaults.
/// </summary>
public sealed class Targets
{
    private readonly string _work;
    private readonly List<Target> _targets;

    /// <summary>A seed file mutated by <paramref name="Mutate"/> and placed in the command line by <paramref name="Args"/>.</summary>
    private sealed record Target(string Name, string Extension, IReadOnlyList<string> Seeds, Func<byte[], Random, byte[]> Mutate, Func<string, string[]> Args);

    public IReadOnlyList<string> EntryPoints => [.. _targets.Select(t => t.Name), "flags"];

    public Targets(string repository, string shared, string work)
    {
        _work = work;
        Directory.CreateDirectory(work);
        string Data(params string[] parts) => Path.Combine([shared, "data", .. parts]);
        string Example(string name) => Path.Combine(repository, "examples", name);
        var gemm = Data("onnx", "gemm_256_8192_2048.onnx");
        var lab = Data("stream-tutorial", "lab1");
        // Stream accelerator files name their core files relatively: mutated copies sit beside copies of the cores.
        CopyDirectory(Path.Combine(lab, "hardware", "cores"), Path.Combine(work, "cores"));
        CopyDirectory(Data("stream", "hardware", "cores"), Path.Combine(work, "cores"));
        var scenario = Path.Combine(work, "seed-scenario.yaml");
        File.WriteAllText(scenario, $"name: fuzz\nhardware: scar-2x2-het\nbits: 8\nmodels:\n  - model: {gemm}\n    batch: 1\n" +
            "  - model: gpt2-small\n    phase: decode\n    context: 64\npartition: lbl\nschedule:\n  scheduler: greedy\n  cost_model: roofline\n  contention: true\n");
        var study = Path.Combine(work, "seed-study.yaml");
        File.WriteAllText(study, "cameras: 1\nbackbone: resnet18\nhead: {channels: 16, outputs: 15}\nfusion: {layers: 1, hidden: 64, heads: 2, ffn: 128, tokens_per_camera: 4}\n" +
            "bits: 8\nframe_rate: 10\ndeadline: 100 ms\ndesigns:\n  ws: {template: ws, width_scale: 1, height_scale: 1, buffer: 1}\n" +
            "cnn: {designs: [ws], counts: [1], memory: [LPDDR5]}\nfusion_stage: {designs: [ws], counts: [1], memory: [LPDDR5]}\n" +
            "homogeneous: {designs: [ws], counts: [1], memory: [LPDDR5]}\nbaseline_match: cost\ncost_profile: actuary\nobjective: ec\nshow: 2\n");
        var sweep = Path.Combine(work, "seed-sweep.yaml");
        File.WriteAllText(sweep, $"name: fuzz\nbase: {scenario}\npoints:\n  - {{hardware: scar-2x2-ws, tp: 2}}\naxes:\n  batch: [1, 2]\n  memory: [HBM3, LPDDR5]\n" +
            "  array: [32x32]\n  buffer: [2 MiB]\n  scheduler: [greedy]\nsample: {count: 3, seed: 1}\n");
        var suite = Path.Combine(work, "seed-suite.yaml");
        File.WriteAllText(suite, "suite:\n  - gpt2-small:decode\n");
        // System files include packages by relative path: the seeds, and the files they include, sit beside the mutated copies.
        File.Copy(Example("edge-package.yaml"), Path.Combine(work, "edge-package.yaml"), overwrite: true);
        var board = Path.Combine(work, "board.yaml");
        File.WriteAllText(board, File.ReadAllText(Example(Path.Combine("systems", "board.yaml"))).Replace("../edge-package.yaml", "edge-package.yaml", StringComparison.Ordinal));
        var node = Path.Combine(work, "node.yaml");
        File.Copy(Example(Path.Combine("systems", "node.yaml")), node, overwrite: true);
        Func<byte[], Random, byte[]> yaml = (b, r) => System.Text.Encoding.UTF8.GetBytes(Mutators.Yaml(System.Text.Encoding.UTF8.GetString(b), r));
        Func<byte[], Random, byte[]> text = (b, r) => System.Text.Encoding.UTF8.GetBytes(Mutators.Text(System.Text.Encoding.UTF8.GetString(b), r));
        _targets =
        [
            new("run scenario", ".yaml", [scenario, Example("mixed-scenario.yaml")], yaml, f => ["run", f, "--cost-model", "roofline", "--json"]),
            new("hardware (Tessera YAML)", ".yaml", [Example("edge-package.yaml"), Example("imc-package.yaml"), Example("known-die.yaml")], yaml, f => ["hardware", f]),
            new("hardware (system YAML)", ".yaml", [board, node], yaml, f => ["hardware", f]),
            new("hardware (Stream YAML)", ".yaml", [Path.Combine(lab, "hardware", "hda_bus.yaml"), Data("stream", "hardware", "eyeriss_like_dual_core.yaml"),
                Data("stream", "hardware", "tpu_like_quad_core.yaml")], yaml, f => ["hardware", f]),
            new("floorplan", ".yaml", [Example("edge-package.yaml"), Example("known-die.yaml")], yaml, f => ["floorplan", f]),
            new("cost", ".yaml", [Example("edge-package.yaml"), Example("imc-package.yaml")], yaml, f => ["cost", f]),
            new("run (Stream mapping)", ".yaml", [Path.Combine(lab, "mapping", "mapping.yaml")], yaml,
                f => ["run", "--workload", Path.Combine(lab, "workload", "4_convs.onnx"), "--hardware", Path.Combine(lab, "hardware", "hda_bus.yaml"), "--mapping", f,
                    "--cost-model", "roofline"]),
            new("map (ZigZag core)", ".yaml", [Data("zigzag", "hardware", "tpu_like.yaml"), Data("zigzag", "hardware", "gemm_l1.yaml"), Data("zigzag", "hardware", "dimc.yaml")],
                yaml, f => ["map", Data("zigzag", "workload", "gemm_layer.yaml"), "--core", f]),
            new("map (ZigZag mapping)", ".yaml", [Data("zigzag", "mapping", "tpu_like.yaml"), Data("zigzag", "mapping", "default.yaml")], yaml,
                f => ["map", Data("zigzag", "workload", "gemm_layer.yaml"), "--core", Data("zigzag", "hardware", "tpu_like.yaml"), "--mapping", f]),
            new("map (ZigZag workload)", ".yaml", [Data("zigzag", "workload", "gemm_layer.yaml")], yaml, f => ["map", f, "--core", "tpu-like", "--cost-model", "roofline"]),
            new("map (MAESTRO)", ".m", [Data("maestro", "mappings", "gpt2s_seq128__shi.m"), Data("maestro", "mappings", "bertl_seq128__nvdla.m")], text,
                f => ["map", f, "--num-pes", "256", "--noc-bw", "256"]),
            new("inspect (ONNX)", ".onnx", [gemm, Data("onnx", "2_conv.onnx"), Data("onnx", "attention_head.onnx"), Data("onnx", "swiglu_64_128_256.onnx"),
                Data("onnx", "alexnet.onnx")], Mutators.Onnx, f => ["inspect", f]),
            new("study", ".yaml", [study], yaml, f => ["study", "av-perception", f, "--cost-model", "roofline"]),
            new("sweep", ".yaml", [sweep], yaml, f => ["sweep", f, "--list"]),
            new("ecosystem", ".yaml", [suite], yaml,
                f => ["ecosystem", f, "--max-pool", "1", "--cost-model", "roofline", "--no-simulate", "--cache", Path.Combine(work, "profiles.db")]),
        ];
    }

    /// <summary>
    /// Case <paramref name="index"/> of run <paramref name="seed"/>, reproducible alone. The first cases of a run give every
    /// file entry point the special files (a FIFO, a symlink to /dev/zero, a symlink loop, a directory).
    /// </summary>
    public FuzzCase Generate(int seed, int index)
    {
        // HashCode.Combine is salted per process; a fixed mix keeps case N of seed S the same case in every run.
        var random = new Random(unchecked((seed * 1_000_003) ^ index));
        int fileTargets = _targets.Count;
        if (index < fileTargets * 4)
            return Special(_targets[index % fileTargets], index, index / fileTargets);
        if (random.Next(5) == 0)
            return Flags.Generate(index, random, _work);
        var target = _targets[random.Next(fileTargets)];
        var seedFile = Mutators.Pick(target.Seeds, random);
        var mutated = target.Mutate(File.ReadAllBytes(seedFile), random);
        var path = Path.Combine(_work, $"case-{index}{target.Extension}");
        File.WriteAllBytes(path, mutated);
        return new FuzzCase(index, target.Name, target.Args(path), $"mutated {Path.GetFileName(seedFile)}");
    }

    private FuzzCase Special(Target target, int index, int kind)
    {
        var path = Path.Combine(_work, $"special-{index}{target.Extension}");
        File.Delete(path);
        Directory.CreateDirectory(Path.Combine(_work, "a-directory" + target.Extension));
        string what;
        switch (kind)
        {
            case 0:
                if (OperatingSystem.IsWindows()) return Special(target, index, 1);
                System.Diagnostics.Process.Start("mkfifo", path)!.WaitForExit();
                what = "a FIFO";
                break;
            case 1: File.CreateSymbolicLink(path, "/dev/zero"); what = "a symlink to /dev/zero"; break;
            case 2: File.CreateSymbolicLink(path, path); what = "a symlink loop"; break;
            default: path = Path.Combine(_work, "a-directory" + target.Extension); what = "a directory"; break;
        }
        return new FuzzCase(index, target.Name, target.Args(path), what);
    }

    /// <summary>Removes a case's files unless it is kept to reproduce a failure.</summary>
    public void Clean(FuzzCase c)
    {
        foreach (var arg in c.Args)
            if (arg.StartsWith(_work, StringComparison.Ordinal) && Path.GetFileName(arg).StartsWith("case-", StringComparison.Ordinal))
                File.Delete(arg);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
    }
}
