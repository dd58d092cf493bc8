// GraphQL fragments the pages share.
export const ALBUM_CARD = `fragment AlbumCard on Album { id title artist { id name } artwork { url width } }`;
export const OFFER = `fragment OfferFields on Offer { format price { amount currency } }`;
