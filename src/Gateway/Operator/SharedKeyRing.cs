using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Tollgate.Gateway.Operator;

/// <summary>
/// The data-protection key ring (what signs and encrypts session cookies and antiforgery tokens) shared by every
/// gateway through PostgreSQL, so a session opened on one gateway works on any other. Each key is stored encrypted
/// (AES-GCM) with a key derived from <c>Admin:Token</c>, which every gateway of the fleet has: a copy of the table alone
/// opens no session. Rotating the token makes the stored keys unreadable; they are replaced, and sessions end anyway.
/// </summary>
internal static class SharedKeyRing
{
    public static void AddSharedKeyRing(this IServiceCollection services, string? adminToken)
    {
        var protection = services.AddDataProtection().SetApplicationName("tollgate-gateway"); // the same purposes on every gateway
        if (string.IsNullOrEmpty(adminToken)) return; // nobody can sign in: nothing to share
        var keyEncryptionKey = new KeyEncryptionKey(adminToken);
        services.AddSingleton(keyEncryptionKey);
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(provider => new ConfigureOptions<KeyManagementOptions>(options =>
        {
            options.XmlRepository = new PostgresKeyRepository(provider.GetRequiredService<NpgsqlDataSource>());
            options.XmlEncryptor = new TokenKeyEncryptor(keyEncryptionKey);
        }));
    }
}

/// <summary>The key the key ring's keys are encrypted with: derived from the admin token, never stored.</summary>
internal sealed class KeyEncryptionKey(string adminToken)
{
    public byte[] Bytes { get; } = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(adminToken), 32,
        info: Encoding.UTF8.GetBytes("tollgate data-protection key encryption"));
}

/// <summary>The key ring's keys as rows of <c>data_protection_keys</c>. Read rarely (the ring is cached for hours), so synchronous.</summary>
internal sealed class PostgresKeyRepository(NpgsqlDataSource database) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var select = database.CreateCommand("SELECT xml FROM data_protection_keys ORDER BY created_at");
        using var reader = select.ExecuteReader();
        List<XElement> keys = [];
        while (reader.Read()) keys.Add(XElement.Parse(reader.GetString(0)));
        return keys;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var insert = database.CreateCommand("INSERT INTO data_protection_keys (friendly_name, xml) VALUES ($1, $2) ON CONFLICT (friendly_name) DO NOTHING");
        insert.Parameters.Add(new NpgsqlParameter { Value = friendlyName });
        insert.Parameters.Add(new NpgsqlParameter { Value = element.ToString(SaveOptions.DisableFormatting) });
        insert.ExecuteNonQuery();
    }
}

/// <summary>Encrypts a key's XML with AES-GCM under <see cref="KeyEncryptionKey"/>: nonce, tag and ciphertext, base64.</summary>
internal sealed class TokenKeyEncryptor(KeyEncryptionKey key) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var sealedBytes = new byte[AesGcm.NonceByteSizes.MaxSize + AesGcm.TagByteSizes.MaxSize + plaintext.Length];
        var nonce = sealedBytes.AsSpan(0, AesGcm.NonceByteSizes.MaxSize);
        var tag = sealedBytes.AsSpan(nonce.Length, AesGcm.TagByteSizes.MaxSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(key.Bytes, tag.Length)) aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(nonce.Length + tag.Length), tag);
        return new EncryptedXmlInfo(new XElement("encryptedKey", new XElement("value", Convert.ToBase64String(sealedBytes))), typeof(TokenKeyDecryptor));
    }
}

/// <summary>The other half of <see cref="TokenKeyEncryptor"/>; made by the data-protection system with the gateway's services.</summary>
internal sealed class TokenKeyDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var key = services.GetRequiredService<KeyEncryptionKey>();
        var sealedBytes = Convert.FromBase64String((string?)encryptedElement.Element("value") ?? throw new CryptographicException("No encrypted value."));
        var nonce = sealedBytes.AsSpan(0, AesGcm.NonceByteSizes.MaxSize);
        var tag = sealedBytes.AsSpan(nonce.Length, AesGcm.TagByteSizes.MaxSize);
        var ciphertext = sealedBytes.AsSpan(nonce.Length + tag.Length);
        var plaintext = new byte[ciphertext.Length];
        using (var aes = new AesGcm(key.Bytes, tag.Length)) aes.Decrypt(nonce, ciphertext, tag, plaintext); // throws if the token changed
        return XElement.Parse(Encoding.UTF8.GetString(plaintext));
    }
}
