/**
 * Azure OpenAI ({@code azure/<deployment>}): OpenAI's format, addressed by deployment and API
 * version, with an {@code api-key} or an Azure AD (Entra ID) bearer token.
 */
@NullMarked
package dev.tollgate.provider.azure;

import org.jspecify.annotations.NullMarked;
