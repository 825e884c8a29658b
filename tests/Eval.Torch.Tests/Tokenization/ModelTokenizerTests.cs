using System.Text;
using System.Text.Json.Nodes;
using Eval.Core.Runtime;
using Eval.Torch.Tests.Fixtures;
using Eval.Torch.Tokenization;

namespace Eval.Torch.Tests.Tokenization;

public class ModelTokenizerTests
{
    string dir = "";
    [SetUp] public void Create() => dir = TinyCheckpoint.TempDirectory();
    [TearDown] public void Remove() => Directory.Delete(dir, recursive: true);

    [Test]
    public void ZooSentencePiece_LoadsLikeALlamaCheckpoint()
    {
        var tokenizer = ModelTokenizer.Load(RepositoryPaths.Require("suites/zoo"));
        Assert.That((tokenizer.BosId, tokenizer.EosId), Is.EqualTo(((int?)1, (int?)2)));
        const string text = "The pass key is 12345. Remember it.";
        var ids = tokenizer.Encode(text);
        Assert.That(tokenizer.Decode(ids), Is.EqualTo(text));
        Assert.That(ids.All(i => i is > 2 and < 4096), Is.True, "no BOS/EOS added, all ids in the vocabulary");
        var digits = tokenizer.Encode(" 12345").Select(i => tokenizer.Decode([i])).Where(p => p.Trim().Length > 0).ToList();
        Assert.That(digits, Is.EqualTo(new[] { "1", "2", "3", "4", "5" }), "digits are split: a 5-digit key is 5 tokens");
    }

    /// <summary>GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to code points from 256 up.</summary>
    static Dictionary<byte, char> ByteToUnicode()
    {
        var printable = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range('¡', '¬' - '¡' + 1)).Concat(Enumerable.Range('®', 'ÿ' - '®' + 1)).ToHashSet();
        var map = new Dictionary<byte, char>();
        int next = 256;
        for (int b = 0; b < 256; b++) map[(byte)b] = printable.Contains(b) ? (char)b : (char)next++;
        return map;
    }

    [Test]
    public void ByteLevelBpeTokenizerJson_EncodesWithItsMergesAndRoundTrips()
    {
        var bytes = ByteToUnicode();
        string space = bytes[(byte)' '].ToString();
        var vocab = new JsonObject();
        foreach (char c in bytes.Values) vocab[c.ToString()] = vocab.Count;
        string[] merges = [$"{space} t", $"{space}t h", $"{space}th e", "c a", "ca t"];
        foreach (string merge in merges) vocab[merge.Replace(" ", "")] = vocab.Count;
        var json = new JsonObject
        {
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = new JsonArray(merges.Select(m => (JsonNode)m).ToArray()) },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false },
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        File.WriteAllText(Path.Combine(dir, "config.json"), "{}");

        var tokenizer = ModelTokenizer.Load(dir);
        var ids = tokenizer.Encode("cat the cat");
        Assert.That(ids, Has.Count.EqualTo(4), "cat | Ġthe | Ġ | cat: no merge joins a space to c");
        Assert.That(ids[0], Is.EqualTo(vocab["cat"]!.GetValue<int>()));
        Assert.That(ids[1], Is.EqualTo(vocab[$"{space}the"]!.GetValue<int>()));
        Assert.That(tokenizer.Decode(ids), Is.EqualTo("cat the cat"));
        Assert.That(tokenizer.Source, Does.EndWith("tokenizer.json"));
    }

    /// <summary>A tiktoken file: every byte, then merges of "hello world" at ranks 256 up.</summary>
    static List<string> TiktokenLines()
    {
        var lines = Enumerable.Range(0, 256).Select(b => Convert.ToBase64String([(byte)b]) + " " + b).ToList();
        string[] merged = ["he", "llo", "hello", " w", "or", " wor", " world"];
        for (int i = 0; i < merged.Length; i++) lines.Add(Convert.ToBase64String(Encoding.UTF8.GetBytes(merged[i])) + " " + (256 + i));
        return lines;
    }

    [Test]
    public void Tiktoken_EncodesByRankAndRoundTrips()
    {
        File.WriteAllLines(Path.Combine(dir, "model.tiktoken"), TiktokenLines());
        var tokenizer = ModelTokenizer.Load(dir);
        var ids = tokenizer.Encode("hello world");
        Assert.That(ids, Is.EqualTo(new[] { 256 + 2, 256 + 6 }));
        Assert.That(tokenizer.Decode(ids), Is.EqualTo("hello world"));
    }

    [Test]
    public void TokenizerJson_OfAnotherModelType_IsAClearError()
    {
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), """{"model":{"type":"WordPiece","vocab":{}}}""");
        Assert.That(Assert.Throws<TokenizerException>(() => ModelTokenizer.Load(dir))!.Message, Does.Contain("model type \"WordPiece\" is not supported"));
    }

    [Test]
    public void TokenizerModelInTiktokenFormat_IsReadAsTiktokenBeforeAnyOtherTiktokenFile()
    {
        File.WriteAllLines(Path.Combine(dir, "tokenizer.model"), TiktokenLines()); // Llama 3's layout
        File.WriteAllLines(Path.Combine(dir, "other.tiktoken"), TiktokenLines());
        var tokenizer = ModelTokenizer.Load(dir);
        Assert.That(tokenizer.Source, Is.EqualTo(Path.Combine(dir, "tokenizer.model")));
        Assert.That(tokenizer.Encode("hello world"), Is.EqualTo(new[] { 256 + 2, 256 + 6 }));
    }

    [Test]
    public void Files_ListEveryTokenizerFileADerivedCheckpointCopies_AndNoOther()
    {
        foreach (string name in new[] { "tokenizer.model", "tokenizer.json", "a.tiktoken", "config.json", "model.safetensors" })
            File.WriteAllText(Path.Combine(dir, name), "x");
        Assert.That(ModelTokenizer.Files(dir).Select(Path.GetFileName), Is.EqualTo(new[] { "tokenizer.model", "tokenizer.json", "a.tiktoken" }));
    }

    [Test]
    public void Load_FolderWithoutTokenizer_SaysWhatWasLookedFor()
    {
        File.WriteAllText(Path.Combine(dir, "config.json"), "{}");
        Assert.That(Assert.Throws<TokenizerException>(() => ModelTokenizer.Load(dir))!.Message,
            Is.EqualTo($"{dir}: no tokenizer found. Looked for: tokenizer.model, tokenizer.json, *.tiktoken."));
    }
}
