using System.Globalization;
using System.Text.Json;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Core.Tasks;
using Eval.Core.Tuning;
using Eval.Core.Validation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Eval.Core.Suites;

/// <summary>
/// Loads and validates a suite file. Every problem is reported at once, each at file:line:column with the bad
/// value, the valid options and a did-you-mean; an invalid suite yields no <see cref="Suite"/>, so nothing runs.
/// </summary>
public sealed class SuiteLoader
{
    private static readonly string[] TopKeys = ["name", "seed", "seeds", "device", "dtype", "limits", "models", "strategies", "lengths", "tasks"];
    private static readonly string[] ModelKeys = ["path", "tune", "name", "dtype", "trained_length", "strategies"];
    private static readonly string[] Devices = ["cpu", "cuda"];
    private static readonly string[] DTypes = ["fp32", "bf16"];
    private readonly string file;
    private readonly string folder;
    private readonly List<SuiteError> errors = [];
    private int unreported;

    private SuiteLoader(string file)
    {
        this.file = file;
        folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file))!;
    }

    public static SuiteLoadResult Load(string path)
    {
        if (!File.Exists(path)) return new SuiteLoadResult(null, [new SuiteError(path, 0, 0, "Suite file not found.")]);
        string text;
        try { text = ReadBounded(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new SuiteLoadResult(null, [new SuiteError(path, 0, 0, $"Suite file cannot be read: {e.Message}")]);
        }
        return new SuiteLoader(path).Parse(text);
    }

    /// <summary>
    /// The longest context a suite may ask for, in tokens (documented in the README): far beyond any model here, yet
    /// small enough that a typo such as 99999999999 or Infinity is refused instead of becoming 2147483647.
    /// </summary>
    public const int MaxLength = 1 << 20;

    /// <summary>At most this many problems are listed; the rest are counted in one final "... and N more errors" line.</summary>
    public const int MaxReportedErrors = 100;

    /// <summary>The largest suite file accepted (documented in the README); a suite is a few hundred bytes.</summary>
    public const int MaxFileChars = 1 << 20;

    /// <summary>
    /// Reads at most <see cref="MaxFileChars"/> + 1 characters, so /dev/zero or a huge file is refused without
    /// reading it all into memory (a device file reports length 0, so the size on disk cannot be trusted).
    /// </summary>
    private static string ReadBounded(string path)
    {
        using var reader = new StreamReader(path);
        var buffer = new char[MaxFileChars + 1];
        int total = 0, read;
        while (total < buffer.Length && (read = reader.Read(buffer, total, buffer.Length - total)) > 0) total += read;
        if (total > MaxFileChars)
            throw new IOException($"the file is larger than the {MaxFileChars / (1 << 20)} MiB a suite may be.");
        return new string(buffer, 0, total);
    }

    private SuiteLoadResult Parse(string text)
    {
        var yaml = new YamlStream();
        try { yaml.Load(new StringReader(text)); }
        catch (YamlException e) { return Fail(e.Start, $"YAML syntax error: {e.InnerException?.Message ?? e.Message}"); }
        catch (InvalidOperationException e)
        {
            // YamlDotNet throws this (with no position) when the file ends inside a flow collection, e.g. "lengths: [1".
            var end = new Mark(0, text.Count(c => c == '\n') + 1, 1);
            return Fail(end, $"YAML syntax error: the file ended inside an unclosed [ or {{ ({e.Message}).");
        }
        if (yaml.Documents.Count > 1)
            return Fail(yaml.Documents[1].RootNode.Start, $"A suite file holds one YAML document; this one has {yaml.Documents.Count} (remove the second '---').");
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
            return Fail(Mark.Empty, "A suite must be a YAML mapping with models, strategies, lengths and tasks.");

        CheckKeys(root, TopKeys, "suite");
        string name = Name(root) ?? System.IO.Path.GetFileNameWithoutExtension(file);
        int seed = Integer(root, "seed", 1234, 0);
        string device = Choice(root, "device", "cpu", Devices);
        string dtype = Choice(root, "dtype", "fp32", DTypes);
        double? caseSeconds = Limits(root);
        var strategies = Strategies(Node(root, "strategies", required: true), "strategies");
        var trainingSeeds = Seeds(Node(root, "seeds"));
        var models = Models(Node(root, "models", required: true), strategies, dtype, trainingSeeds);
        var lengths = Lengths(Node(root, "lengths", required: true));
        var tasks = Tasks(Node(root, "tasks", required: true), models, lengths);
        if (lengths is not null)
            foreach (var model in models)
                foreach (int length in lengths.For(model).Where(l => l < 2 || l > MaxLength))
                    Error(Node(root, "lengths")!, length < 2 ? $"Length {length} for model {model.Reference} is below 2."
                        : $"Length {length} for model {model.Reference} is above the ceiling of {MaxLength} tokens (MaxLength).");
        if (lengths is not null && errors.Count == 0)
            foreach (var model in models)
                if (lengths.For(model).Max() is int longest && MemoryProblem(model, longest) is string problem) Error(Node(root, "lengths")!, problem);
        if (lengths is not null && errors.Count == 0)
            foreach (var model in models)
                if (WindowProblem(model, lengths.For(model).Max()) is string problem) Error(Node(root, "models")!, problem);

        if (errors.Count > 0) return new SuiteLoadResult(null, Reported());
        return new SuiteLoadResult(new Suite(name, System.IO.Path.GetFullPath(file), text, seed, device, dtype, caseSeconds, models, strategies.Select(s => s.Spec).ToList(), lengths!, tasks, trainingProblems), []);
    }

    private readonly Dictionary<SuiteModel, ModelConfig> configs = [];
    private readonly Dictionary<string, SuiteError> trainingProblems = [];

    /// <summary>
    /// The memory a case of <paramref name="length"/> tokens needs at least, from the model's config: its weights in fp32
    /// (they are built in fp32 first) and its KV cache at that length. A length no machine here could hold is refused
    /// now, with the figure, rather than growing past memory mid-run.
    /// </summary>
    private string? MemoryProblem(SuiteModel model, int length)
    {
        if (!configs.TryGetValue(model, out var config)) return null;
        var cost = new ModelCost(config, 4);
        double needed = cost.TotalParameters * 4.0 + cost.KvCacheBytes(length);
        long available = Runtime.MachineMemory.LimitBytes;
        return needed <= available ? null : string.Create(CultureInfo.InvariantCulture,
            $"Length {length} for model {model.Reference} needs at least {needed / (1L << 30):F1} GiB (fp32 weights {cost.TotalParameters * 4.0 / (1L << 30):F1} GiB + KV cache {cost.KvCacheBytes(length) / (double)(1L << 30):F1} GiB); this machine has {available / (double)(1L << 30):F1} GiB.");
    }

    /// <summary>
    /// Attention sinks on a model whose config.json's sliding_window hides keys at the suite's longest length: the runtime
    /// refuses that combination (sinks count positions in cache slots, the window in true positions), so the suite does too.
    /// </summary>
    private string? WindowProblem(SuiteModel model, int longest)
    {
        if (!configs.TryGetValue(model, out var config) || config.SlidingWindow is not int window || window >= longest) return null;
        var sinks = model.Strategies.Where(s => s.Attention is SinkAttention).Select(s => $"\"{s.Spec}\"").ToList();
        return sinks.Count == 0 ? null
            : $"Strategy {string.Join(", ", sinks)} cannot run on model \"{model.Reference}\": its config.json's sliding_window is {window}, shorter than " +
              $"length {longest}, and attention sinks are not defined under a sliding window. Give the model its own strategies without sinks, or lengths of at most {window}.";
    }

    private double? Limits(YamlMappingNode root)
    {
        if (Node(root, "limits") is not YamlNode node) return null;
        if (node is not YamlMappingNode limits) { Error(node, "limits must be a mapping, e.g. { case_seconds: 600 }."); return null; }
        CheckKeys(limits, ["case_seconds"], "limits");
        if (Scalar(limits, "case_seconds") is not string text) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds > 0))
        {
            Error(Node(limits, "case_seconds")!, $"case_seconds \"{text}\" is not valid: it must be a number of seconds > 0.");
            return null;
        }
        return seconds;
    }

    /// <summary>
    /// A strategy as listed: its canonical spec and the one object every case of it uses (null for "carried", which is
    /// created per model once its config.json is read).
    /// </summary>
    private sealed record ListedStrategy(StrategySpec Spec, IPositionalStrategy? Created);

    private List<ListedStrategy> Strategies(YamlNode? node, string field)
    {
        var result = new List<ListedStrategy>();
        var seen = new HashSet<StrategySpec>();
        if (node is null) return result;
        if (node is not YamlSequenceNode list || list.Children.Count == 0) { Error(node, $"{field} must be a non-empty list of strategies (e.g. [default, yarn:factor=8])."); return result; }
        foreach (var item in list)
        {
            StrategySpec spec;
            try
            {
                spec = item switch
                {
                    YamlScalarNode s => StrategySpec.Parse(s.Value ?? ""),
                    YamlMappingNode m when Scalar(m, "name") is string n => StrategySpec.Create(n, m.Children
                        .Where(c => ((YamlScalarNode)c.Key).Value != "name").Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ScalarText(c.Value)))),
                    _ => throw new FormatException("A strategy is a string NAME[:key=value,...] or a mapping with a name."),
                };
            }
            catch (FormatException e) { Error(item, e.Message); continue; }
            IPositionalStrategy? created = null;
            if (spec.Name == EncodingRules.Carried)
            {
                // Created per model in Models(), once its config.json is read.
                if (spec.Parameters.Count > 0) { Error(item, $"\"{EncodingRules.Carried}\" takes no parameters: it is the model's own rope_scaling (in {field})."); continue; }
            }
            else if (StrategyRegistry.TryCreate(spec, out created, out string? error)) spec = created!.Spec;
            else { Error(item, error! + $" (in {field}; suites also accept \"{EncodingRules.Carried}\")"); continue; }
            if (!seen.Add(spec)) { Error(item, $"Strategy \"{spec}\" is listed twice in {field}."); continue; }
            result.Add(new ListedStrategy(spec, created));
        }
        return result;
    }

    /// <summary>
    /// The suite's training seeds (seeds: [1, 2, 3]): every tuned model whose tune: names no seed of its own is trained
    /// once per seed, as NAME@seed=S (<see cref="TrainingSeed"/>). Null when the key is absent.
    /// </summary>
    private List<int>? Seeds(YamlNode? node)
    {
        if (node is null) return null;
        var values = Numbers(node, "seeds", 0, exclusive: false, max: int.MaxValue);
        if (values is null) return null;
        if (values.Any(v => v != Math.Floor(v))) { Error(node, "seeds must be whole numbers from 0 to 2147483647."); return null; }
        if (values.Count > TrainingSeed.MaxSeeds) { Error(node, $"seeds lists {values.Count} seeds; at most {TrainingSeed.MaxSeeds} (each trains every tuned model once more)."); return null; }
        return values.Select(v => (int)v).ToList();
    }

    private List<SuiteModel> Models(YamlNode? node, List<ListedStrategy> suiteStrategies, string suiteDType, List<int>? trainingSeeds)
    {
        var result = new List<SuiteModel>();
        if (node is null) return result;
        if (node is not YamlSequenceNode list || list.Children.Count == 0) { Error(node, "models must be a non-empty list (zoo:NAME, { path: DIR } or { tune: { from, strategy, length, steps } })."); return result; }
        foreach (var item in list)
        {
            var map = item as YamlMappingNode;
            if (map is not null) CheckKeys(map, ModelKeys, "model");
            var tuneNode = map is null ? null : Node(map, "tune");
            string? reference = item switch
            {
                YamlScalarNode s => s.Value,
                YamlMappingNode m when tuneNode is null => Scalar(m, "path"),
                _ => null,
            };
            if (tuneNode is null && string.IsNullOrWhiteSpace(reference)) { Error(item, "A model is zoo:NAME, a directory, or a mapping with path or tune."); continue; }
            if (tuneNode is not null && Node(map!, "path") is YamlNode both) { Error(both, "A model has either path or tune, not both."); continue; }
            string dtype = map is not null ? Choice(map, "dtype", suiteDType, DTypes) : suiteDType;
            int? trained = map is not null && Scalar(map, "trained_length") is not null ? Integer(map, "trained_length", 0, 2) : null;
            var strategies = map is not null && Node(map, "strategies") is YamlNode own ? Strategies(own, $"strategies of {reference ?? "tuned model"}") : suiteStrategies;

            TuneRecipe? parsed = null;
            if (tuneNode is not null && (parsed = Recipe(tuneNode)) is null) continue;
            // One model per training seed, unless the entry has no tune: or names its own seed.
            var replicates = parsed is null || trainingSeeds is null || Node((YamlMappingNode)tuneNode!, "seed") is not null
                ? [(parsed, (int?)null)]
                : trainingSeeds.Select(s => ((TuneRecipe?)(parsed with { Seed = s }), (int?)s)).ToList();
            foreach (var (recipe, replicateSeed) in replicates)
            {
                if (Model(item, map, reference, recipe, replicateSeed, dtype, trained, strategies, result) is not SuiteModel model) break;
                result.Add(model);
            }
        }
        return result;
    }

    /// <summary>One model of the models list (one replicate of a tuned entry), or null with its problem reported.</summary>
    private SuiteModel? Model(YamlNode item, YamlMappingNode? map, string? reference, TuneRecipe? recipe, int? replicateSeed, string dtype, int? trained,
        List<ListedStrategy> strategies, List<SuiteModel> earlier)
    {
        if (ModelConfigOf(item, recipe?.From ?? reference!) is not var (directory, modelConfig)) return null;
        if (recipe is not null)
        {
            if (recipe.SourceProblem(modelConfig.PositionEncoding, modelConfig.SlidingWindow, modelConfig.ModelType) is string problem) { Error(Node(map!, "tune")!, problem); return null; }
            string source = new SuiteModel(recipe.From, directory, dtype, null, 0, "", []).DisplayName;
            string name = map is not null && Name(map) is string named ? named : recipe.DisplayName(source);
            reference = SuiteModel.TunePrefix + (replicateSeed is int seed ? TrainingSeed.Name(name, seed) : name);
            // Not an error here: `eval run` fails only this model's cases, `eval validate` refuses the suite.
            if (new TrainingMemory(modelConfig, recipe).Problem(reference, Runtime.MachineMemory.LimitBytes) is string tooLarge)
                trainingProblems[reference] = new SuiteError(file, (int)item.Start.Line, (int)item.Start.Column, tooLarge);
            modelConfig = TunedConfig.For(modelConfig, recipe);
        }
        else if (map is not null && Node(map, "name") is YamlNode named) { Error(named, "name is for tuned models (tune: ...); a checkpoint is named by its folder."); return null; }
        if (earlier.Any(m => m.Reference == reference || (recipe is null && m.Tune is null && m.Directory == directory)))
        { Error(item, $"Model \"{reference}\" is listed twice."); return null; }

        var modelStrategies = strategies.Select(s => s.Created ?? StrategyRegistry.Create(
                modelConfig.CarriedStrategy ?? StrategySpec.Parse(EncodingRules.NativeStrategy(modelConfig.PositionEncoding))))
            .DistinctBy(s => s.Spec).ToList();
        foreach (var strategy in modelStrategies)
        {
            if (!EncodingRules.Fits(strategy.Kind, modelConfig.PositionEncoding))
                Error(item, $"Strategy \"{strategy.Spec}\" cannot run on model \"{reference}\", which was trained with {modelConfig.PositionEncoding} positions. " +
                    EncodingRules.Advice(modelConfig.PositionEncoding));
        }
        var suiteModel = new SuiteModel(reference!, directory, dtype, trained, modelConfig.TrainedLength, modelConfig.PositionEncoding, modelStrategies, recipe);
        configs[suiteModel] = modelConfig;
        return suiteModel;
    }

    /// <summary>A model reference's checkpoint directory and config.json, or null with the problem reported at <paramref name="item"/>.</summary>
    private (string Directory, ModelConfig Config)? ModelConfigOf(YamlNode item, string reference)
    {
        string directory;
        try { directory = ModelReference.Resolve(reference, folder); }
        catch (DirectoryNotFoundException e) { Error(item, e.Message); return null; }
        if (!Directory.Exists(directory))
        {
            var zoo = ModelReference.ZooModels(folder).Select(z => ModelReference.ZooPrefix + z).ToList();
            Error(item, $"Model \"{reference}\": directory {directory} not found." +
                (!reference.StartsWith(ModelReference.ZooPrefix, StringComparison.Ordinal) ? ""
                    : zoo.Count == 0 ? " No zoo model is trained yet (eval zoo train NAME)."
                    : $" Zoo models: {string.Join(", ", zoo)}.{DidYouMean.Hint(reference, zoo)}"));
            return null;
        }
        try { return (directory, ModelConfigReader.Read(System.IO.Path.Combine(directory, "config.json"))); }
        catch (ModelConfigException e) { Error(item, $"Model \"{reference}\": {e.Message}"); return null; }
    }

    /// <summary>A tune: mapping as a validated recipe; each problem is reported at its key's line (or the mapping's).</summary>
    private TuneRecipe? Recipe(YamlNode node)
    {
        if (node is not YamlMappingNode map) { Error(node, "tune must be a mapping, e.g. { from: zoo:rope-10k, strategy: linear:factor=4, length: 1024, steps: 200 }."); return null; }
        var values = new Dictionary<string, string>();
        foreach (var (key, value) in map.Children)
            if (key is YamlScalarNode { Value: string k }) values[k] = value is YamlScalarNode s ? s.Value ?? "" : Fail(value, $"tune's \"{k}\" must be a single value.");
        var (recipe, problems) = TuneRecipe.Parse(values);
        foreach (var (key, message) in problems)
            Error(map.Children.FirstOrDefault(c => ((YamlScalarNode)c.Key).Value == key).Key ?? map, message + " (in tune)");
        return recipe;
    }

    private LengthSpec? Lengths(YamlNode? node)
    {
        if (node is null) return null;
        if (node is YamlMappingNode map)
        {
            CheckKeys(map, ["multiples"], "lengths");
            var multiples = Numbers(Node(map, "multiples", required: true), "multiples", 0, exclusive: true);
            return multiples is null ? null : new LengthSpec(null, multiples);
        }
        var absolute = Numbers(node, "lengths", 2, exclusive: false, max: MaxLength);
        if (absolute is null) return null;
        if (absolute.Any(v => v != Math.Floor(v))) { Error(node, "lengths must be whole numbers of tokens."); return null; }
        return new LengthSpec(absolute.Select(v => (int)v).ToList(), null);
    }

    /// <summary>
    /// A list of finite numbers above <paramref name="min"/> (and at most <paramref name="max"/> when given), each
    /// listed once; NaN and Infinity are refused rather than saturating to int.MaxValue later.
    /// </summary>
    private List<double>? Numbers(YamlNode? node, string field, double min, bool exclusive, double? max = null)
    {
        if (node is null) return null;
        if (node is not YamlSequenceNode list || list.Children.Count == 0) { Error(node, $"{field} must be a non-empty list of numbers."); return null; }
        var values = new List<double>();
        var seen = new HashSet<double>();
        string range = $"a number {(exclusive ? ">" : ">=")} {min.ToString(CultureInfo.InvariantCulture)}" +
            (max is double m ? $" and <= {m.ToString(CultureInfo.InvariantCulture)} (the ceiling MaxLength, in tokens)" : "");
        foreach (var item in list)
        {
            string text = ScalarText(item);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value)
                || (exclusive ? value <= min : value < min) || value > max)
                Error(item, $"{field} entry \"{text}\" is not valid: it must be {range}.");
            else if (!seen.Add(value)) Error(item, $"{field} entry {text} is listed twice.");
            else values.Add(value);
        }
        return values;
    }

    /// <param name="models">With <paramref name="lengths"/>, the lengths each task will run at, so a task that cannot run at
    /// one (perplexity's min_context not below it) is an error here rather than a failed case.</param>
    private List<SuiteTask> Tasks(YamlNode? node, IReadOnlyList<SuiteModel> models, LengthSpec? lengths)
    {
        var result = new List<SuiteTask>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (node is null) return result;
        if (node is not YamlSequenceNode list || list.Children.Count == 0) { Error(node, $"tasks must be a non-empty list ({string.Join(", ", TaskRegistry.Names)})."); return result; }
        foreach (var item in list)
        {
            (string? name, var parameters) = item switch
            {
                YamlScalarNode s => (s.Value, new Dictionary<string, string>()),
                YamlMappingNode { Children.Count: 1 } m => (((YamlScalarNode)m.Children[0].Key).Value,
                    m.Children[0].Value is YamlMappingNode p
                        ? p.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => ScalarText(c.Value))
                        : m.Children[0].Value is YamlScalarNode { Value: null or "" } ? new Dictionary<string, string>() : null),
                _ => (null, null),
            };
            if (name is null || parameters is null) { Error(item, "A task is a name (passkey) or a mapping name: { parameters } (perplexity: { protocol: sliding })."); continue; }
            IEvalTask created;
            try { created = TaskRegistry.Create(name, parameters, () => []); }
            catch (TaskException e)
            {
                foreach (string problem in e.Problems) Error(item, problem);
                continue;
            }
            var lengthProblems = lengths is null ? [] : models.SelectMany(m => lengths.For(m).Where(l => l >= 2).Select(l => (Model: m, Problem: created.LengthProblem(l))))
                .Where(x => x.Problem is not null).GroupBy(x => x.Problem!)
                .Select(g => $"{g.Key} (model{(g.Count() > 1 ? "s" : "")} {string.Join(", ", g.Select(x => x.Model.Reference))})").ToList();
            foreach (string problem in lengthProblems) Error(ParameterNode(item, "min_context"), problem);
            if (lengthProblems.Count > 0) continue;
            var task = new SuiteTask(name.ToLowerInvariant(), parameters);
            if (task.Name == PerplexityTask.TaskName && parameters.TryGetValue("corpus", out string? corpus) && corpus != "bundled"
                && CorpusProblem(corpus) is string corpusProblem)
            {
                Error(ParameterNode(item, "corpus"), corpusProblem);
                continue;
            }
            // keyppl needs the key spans only a long-range .jsonl holds (`eval corpus longrange` writes one).
            if (task.Name == KeyTokenPerplexityTask.TaskName && parameters.TryGetValue("corpus", out string? keyCorpus) && keyCorpus != "bundled"
                && (CorpusProblem(keyCorpus) ?? (keyCorpus.EndsWith(".jsonl", StringComparison.Ordinal) ? null
                    : $"corpus \"{keyCorpus}\" is not a long-range .jsonl file. Valid: a .jsonl file with id, text and repeats (key spans), as `eval corpus longrange` writes, or bundled.")) is string keyProblem)
            {
                Error(ParameterNode(item, "corpus"), keyProblem);
                continue;
            }
            string key = task.Name + "\n" + string.Join("\n", task.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}\u0000{p.Value}"));
            if (!seen.Add(key))
            { Error(item, $"Task \"{name}\" is listed twice with the same parameters."); continue; }
            result.Add(task);
        }
        return result;
    }

    /// <summary>
    /// Why perplexity's corpus cannot be read, checked at validation without reading it (the run reads it): a missing
    /// path, an empty folder, or an unsupported file, resolved as the run resolves it (<see cref="Eval.Core.Corpora.DocumentSource.Resolve"/>).
    /// </summary>
    private static string? CorpusProblem(string given)
    {
        string corpus = Eval.Core.Corpora.DocumentSource.Resolve(given);
        const string Valid = "a folder of .txt/.txt.gz files, a .txt/.txt.gz file, or a .jsonl file";
        static bool Document(string f) => f.EndsWith(".txt", StringComparison.Ordinal) || f.EndsWith(".txt.gz", StringComparison.Ordinal);
        try
        {
            if (Directory.Exists(corpus))
                return Directory.EnumerateFiles(corpus).Any(Document) ? null : $"corpus \"{corpus}\" has no .txt or .txt.gz documents. Valid: {Valid}.";
            if (!File.Exists(corpus))
                return $"corpus \"{corpus}\": no such file or folder (a relative path is looked up from the current directory {Directory.GetCurrentDirectory()} and the folders above it). Valid: {Valid}, or bundled.";
            return Document(corpus) || corpus.EndsWith(".jsonl", StringComparison.Ordinal) ? null : $"corpus \"{corpus}\" is not a supported document file. Valid: {Valid}.";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return $"corpus \"{corpus}\" cannot be read: {e.Message}"; }
    }

    /// <summary>The value node of a task's parameter (for its line), or the task's own node.</summary>
    private static YamlNode ParameterNode(YamlNode task, string key) =>
        task is YamlMappingNode { Children.Count: 1 } m && m.Children[0].Value is YamlMappingNode p
            && p.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : task;

    /// <summary>A scalar's text, or a list's entries joined by '|' (task lists such as depths: [0, 0.5, 1]).</summary>
    private string ScalarText(YamlNode node) => node switch
    {
        YamlScalarNode s => s.Value ?? "",
        YamlSequenceNode list => string.Join("|", list.Select(ScalarText)),
        _ => Fail(node, "expected a value or a list of values"),
    };

    private string Fail(YamlNode node, string message) { Error(node, message); return ""; }

    private void CheckKeys(YamlMappingNode map, string[] valid, string what)
    {
        foreach (var key in map.Children.Keys.OfType<YamlScalarNode>())
            if (!valid.Contains(key.Value))
                Error(key, $"Unknown {what} key \"{key.Value}\". Valid keys: {string.Join(", ", valid)}.{DidYouMean.Hint(key.Value ?? "", valid)}");
    }

    private YamlNode? Node(YamlMappingNode map, string key, bool required = false)
    {
        if (map.Children.TryGetValue(new YamlScalarNode(key), out var node)) return node;
        if (required) Error(map, $"Missing required key \"{key}\".");
        return null;
    }

    private string? Scalar(YamlMappingNode map, string key)
    {
        if (Node(map, key) is not YamlNode node) return null;
        if (node is YamlScalarNode s) return s.Value;
        Error(node, $"\"{key}\" must be a single value.");
        return null;
    }

    /// <summary>
    /// A suite's or a tuned model's name: it is printed on terminals, written into job scripts and file names, so it
    /// is one non-blank line without control characters (a newline or ESC in it would forge output or cut a script).
    /// </summary>
    private string? Name(YamlMappingNode map)
    {
        if (Scalar(map, "name") is not string name) return null;
        if (!string.IsNullOrWhiteSpace(name) && !name.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029')) return name;
        Error(Node(map, "name")!, $"name {JsonSerializer.Serialize(name)} is not valid: a name is one non-blank line without control characters (newline, tab, ESC, ...).");
        return null;
    }

    private int Integer(YamlMappingNode map, string key, int fallback, int min)
    {
        if (Scalar(map, key) is not string text) return fallback;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min) return value;
        Error(Node(map, key)!, $"\"{key}\" is \"{text}\": expected a whole number >= {min}.");
        return fallback;
    }

    private string Choice(YamlMappingNode map, string key, string fallback, string[] options)
    {
        if (Scalar(map, key) is not string text) return fallback;
        if (options.Contains(text)) return text;
        Error(Node(map, key)!, $"{key} \"{text}\" is not valid. Valid: {string.Join(", ", options)}.{DidYouMean.Hint(text, options)}");
        return fallback;
    }

    private void Error(YamlNode node, string message) => Add(new SuiteError(file, (int)node.Start.Line, (int)node.Start.Column, message));

    /// <summary>Keeps the first <see cref="MaxReportedErrors"/> problems and only counts the rest, so a huge bad file stays bounded.</summary>
    private void Add(SuiteError error)
    {
        if (errors.Count < MaxReportedErrors) errors.Add(error);
        else unreported++;
    }

    private IReadOnlyList<SuiteError> Reported() =>
        unreported == 0 ? errors : [.. errors, new SuiteError(file, 0, 0, $"... and {unreported} more error{(unreported == 1 ? "" : "s")} (only the first {MaxReportedErrors} are listed).")];

    private SuiteLoadResult Fail(Mark mark, string message)
    {
        Add(new SuiteError(file, (int)mark.Line, (int)mark.Column, message));
        return new SuiteLoadResult(null, Reported());
    }
}
